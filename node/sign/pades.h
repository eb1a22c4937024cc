/* PAdES signatures (ETSI EN 319 142-1 baseline B-B; RFC 5652 CMS, RFC 5035
 * signing-certificate-v2) on PDFs, and the document's legal status under the
 * regulation: >= 2 valid signatures, one an agency's and one a person's. */
#ifndef VT_PADES_H
#define VT_PADES_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sign/pdf.h"
#include "sign/sigkey.h"

/* Why a signature is not valid; names are stable (scripts read them). */
typedef enum vt_pades_problem {
	VT_PADES_OK = 0,
	VT_PADES_BYTERANGE,     /* "byte-range": /ByteRange does not frame its own /Contents */
	VT_PADES_DIGEST,        /* "digest-mismatch": the signed bytes were changed */
	VT_PADES_CMS,           /* "bad-cms": /Contents is not a usable CMS SignedData */
	VT_PADES_SIGNATURE,     /* "bad-signature": the signature value does not verify (wrong key) */
	VT_PADES_UNTRUSTED,     /* "untrusted": no chain to a configured trust anchor */
	VT_PADES_EXPIRED,       /* "expired": a certificate of the chain has expired */
	VT_PADES_NOT_YET_VALID, /* "not-yet-valid" */
	VT_PADES_CHAIN,         /* "chain": another certificate-path failure */
	VT_PADES_ESS,           /* "cert-mismatch": signing-certificate-v2 names another certificate */
	VT_PADES_UNSUPPORTED,   /* "unsupported": SubFilter or algorithm we do not accept */
	VT_PADES_REVOKED,       /* "revoked": the signer's certificate is on its CA's CRL */
} vt_pades_problem;

const char *vt_pades_problem_name(vt_pades_problem p);

/* How agency (cơ quan, tổ chức) certificates are told from personal ones:
 * 1. a certificatePolicies OID listed in agency_oids -> agency; in
 *    person_oids -> person (the national CA's policy OIDs, configuration);
 * 2. otherwise the subject: an organisation certificate names the
 *    organisation and no person: it has O, no givenName/surname/title, and
 *    its CN is absent or equal to O or to one of its OUs -> agency;
 *    anything else -> person. */
typedef enum vt_pades_kind { VT_PADES_PERSON = 0, VT_PADES_AGENCY = 1 } vt_pades_kind;

typedef struct vt_pades_trust_opts {
	const char *ca_file;            /* PEM trust anchors (and intermediates) */
	const char *ca_dir;             /* c_rehash'ed directory; either may be NULL */
	const char *crl_file;           /* PEM CRLs: the signer's certificate is checked
					 * against its issuer's CRL (must be present) */
	const char *const *agency_oids; /* NULL-terminated, may be NULL */
	const char *const *person_oids;
	int64_t at;                     /* verify certificates at this time (s); 0: now */
} vt_pades_trust_opts;

typedef struct vt_pades_trust vt_pades_trust;
int vt_pades_trust_new(vt_pades_trust **out, const vt_pades_trust_opts *opts);
void vt_pades_trust_free(vt_pades_trust *t);

typedef struct vt_pades_sig {
	vt_pades_problem problem;
	char detail[256];       /* what failed, for people; "" when valid */
	char *field, *subfilter, *reason, *name, *m; /* from the PDF (UTF-8), may be NULL */
	char *subject;          /* signer's subject, RFC 2253 (UTF-8) */
	char *cn, *org;         /* signer's CN and O */
	vt_pades_kind kind;
	int64_t signing_time;   /* /M, else CMS signingTime; 0 unknown (s since epoch) */
	int64_t not_after;      /* signer certificate's expiry (s) */
	size_t covered_end;     /* bytes 0..covered_end are signed (minus the gap) */
	int revision;           /* revision it covers (1-based), 0 if it ends elsewhere */
	int integrity;          /* the byte ranges hash to the signed digest */
} vt_pades_sig;

typedef struct vt_pades_report {
	vt_pades_sig *sigs;
	size_t nsigs;
	size_t file_len;
	size_t nrev;
	size_t covered_end;     /* end of the longest intact signed range */
	size_t not_covered;     /* bytes after it that are not whitespace */
	size_t nvalid, nagency, nperson;
	int legal;              /* 1: "legally valid electronic document" */
	char status[256];       /* the status and its reason, for people */
} vt_pades_report;

/* Verifies every signature in the PDF (borrowed buffer). Fails only when
 * the file cannot be read; per-signature failures are in the report.
 * Thread-safe: trust may be shared (it caches decoded certificates and
 * validated paths, each path result only within its validity window). */
int vt_pades_verify(vt_pades_report **out, const vt_pades_trust *trust, const uint8_t *pdf, size_t len);
void vt_pades_report_free(vt_pades_report *r);

/* Signs in as an incremental update (ETSI.CAdES.detached unless spec says
 * otherwise); *out is malloc'd. */
int vt_pades_sign(uint8_t **out, size_t *outlen, const uint8_t *in, size_t inlen, const vt_sigkey *key,
	const vt_pdf_sigspec *spec);

/* The CMS SignedData (detached) for a SHA-256 digest of the byte ranges:
 * signed attributes contentType, messageDigest, signing-certificate-v2 (no
 * signingTime: the time is /M), certificates cert + chain. *der is
 * OPENSSL_malloc'd. Does not check that pkey matches cert (tests rely on it). */
int vt_pades_cms_sign(uint8_t **der, size_t *derlen, const uint8_t digest[32], EVP_PKEY *pkey, X509 *cert,
	STACK_OF(X509) *chain);

#endif
