/* Development TLS material: a local CA and certificates it signs (server
 * certificates for a node's API, client certificates naming a node id for
 * mutual TLS between nodes). Production uses the agency's own PKI. */
#ifndef VT_TLSGEN_H
#define VT_TLSGEN_H

/* Creates dir/ca.pem + dir/ca.key if missing (EC P-256, 10 years). */
int vt_tlsgen_ca(const char *dir);

/* Issues a certificate signed by dir/ca.*: common name cn, subject alt
 * names "localhost", 127.0.0.1 and ::1 (plus extra_dns if not NULL), for
 * server and client use; writes dir/<name>.pem and dir/<name>.key (0600).
 * Leaves existing files alone. */
int vt_tlsgen_issue(const char *dir, const char *name, const char *cn, const char *extra_dns);

#endif
