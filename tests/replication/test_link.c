/* The unit's link and the hub's stream service in one process, over mutual
 * TLS on loopback: catch-up, streaming, the hub going away and coming back,
 * co-signatures kept by the unit, an unenrolled unit refused. (The faults
 * with real processes are in tests/e2e/replication.sh.) */
#include "events.h"
#include "testutil.h"

#include "docs/exchange.h"
#include "replication/repl.h"
#include "replication/replica.h"
#include "replication/unit_meta.h"
#include "store/sth.h"
#include "tlsgen.h"

#include <unistd.h>

#define HUB "000.00.00.HUB"
#define U1 "000.00.01.U01"
#define U2 "000.00.02.U02"
#define U3 "000.00.03.U03"

typedef struct fixture {
	char dir[4096], tls[4200];
	vt_node *hub, *u1, *u2, *u3;
	vt_rpc_server *server;
	vt_repl_hub *rh;
	int port;
} fixture;

static vt_node *node_at(fixture *f, const char *name, const char *id, const char *role)
{
	char dir[4400];
	vt_node_init_opts io = { 0 };
	vt_node *n = NULL;
	vt_node_open_opts oo = { 0 };
	snprintf(dir, sizeof(dir), "%s/%s", f->dir, name);
	io.node_id = id;
	io.role = role;
	io.agency_name = name;
	assert_vt_ok(vt_node_init(dir, &io));
	oo.sth_every = 1;
	assert_vt_ok(vt_node_open(&n, dir, &oo));
	return n;
}

static void server_start(fixture *f, int port)
{
	vt_rpc_server_opts so = { 0 };
	char listen[64], cert[4400], key[4400], ca[4400];
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	snprintf(cert, sizeof(cert), "%s/server.pem", f->tls);
	snprintf(key, sizeof(key), "%s/server.key", f->tls);
	snprintf(ca, sizeof(ca), "%s/ca.pem", f->tls);
	so.listen = listen;
	so.cert_file = cert;
	so.key_file = key;
	so.client_ca_file = ca;
	so.max_recv = VT_REPL_MAX_MSG;
	so.workers = 4;
	so.log_level = VT_RPC_LOG_OFF;
	f->port = vt_rpc_server_new(&f->server, &so);
	assert_true(f->port > 0);
	assert_vt_ok(vt_repl_hub_new(&f->rh, f->hub));
	assert_vt_ok(vt_repl_hub_register(f->rh, f->server));
	assert_vt_ok(vt_rpc_server_start(f->server));
}

static void server_stop(fixture *f)
{
	vt_rpc_server_shutdown(f->server, 0);
	vt_rpc_server_free(f->server);
	vt_repl_hub_free(f->rh);
	f->server = NULL;
	f->rh = NULL;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	vt_apply_result res;
	vt_test_tmpdir(f->dir, sizeof(f->dir), "repl-link");
	snprintf(f->tls, sizeof(f->tls), "%s/tls", f->dir);
	assert_vt_ok(vt_tlsgen_ca(f->tls));
	assert_vt_ok(vt_tlsgen_issue(f->tls, "server", "hub", NULL));
	assert_vt_ok(vt_tlsgen_issue(f->tls, "u1", U1, NULL));
	assert_vt_ok(vt_tlsgen_issue(f->tls, "u2", U2, NULL));
	assert_vt_ok(vt_tlsgen_issue(f->tls, "u3", U3, NULL));
	f->hub = node_at(f, "hub", HUB, "hub");
	f->u1 = node_at(f, "u1", U1, "unit");
	f->u2 = node_at(f, "u2", U2, "unit");
	f->u3 = node_at(f, "u3", U3, "unit");
	assert_vt_ok(vt_repl_enroll(f->hub, "admin", U1, f->u1->pk, "Đơn vị 1", "", &res));
	assert_vt_ok(vt_repl_enroll(f->hub, "admin", U2, f->u2->pk, "Đơn vị 2", "", &res));
	assert_vt_error(vt_repl_enroll(f->hub, "admin", U1, f->u3->pk, "", "", &res), VT_ECONFLICT, "another key");
	assert_vt_error(vt_repl_enroll(f->u1, "admin", U3, f->u3->pk, "", "", &res), VT_EINVAL, "hub");
	server_start(f, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	if (f->server)
		server_stop(f);
	vt_node_free(f->hub);
	vt_node_free(f->u1);
	vt_node_free(f->u2);
	vt_node_free(f->u3);
	vt_test_rmrf(f->dir);
	free(f);
	return 0;
}

static uint64_t vt_log_stored_size_or0(vt_store *store, const char *origin)
{
	uint64_t n = 0;
	vt_log_stored_size(store, origin, &n);
	return n;
}

static vt_repl_link *link_opts(fixture *f, vt_node *n, const char *cert, unsigned batch_max);

static vt_repl_link *link_for(fixture *f, vt_node *n, const char *cert)
{
	return link_opts(f, n, cert, 50); /* many batches, several in flight */
}

static vt_repl_link *link_opts(fixture *f, vt_node *n, const char *cert, unsigned batch_max)
{
	vt_repl_link_opts lo = { 0 };
	vt_repl_link *l = NULL;
	char addr[64], ca[4400], c[4400], k[4400];
	snprintf(addr, sizeof(addr), "localhost:%d", f->port);
	snprintf(ca, sizeof(ca), "%s/ca.pem", f->tls);
	snprintf(c, sizeof(c), "%s/%s.pem", f->tls, cert);
	snprintf(k, sizeof(k), "%s/%s.key", f->tls, cert);
	lo.peer.hub = addr;
	lo.peer.ca_file = ca;
	lo.peer.cert_file = c;
	lo.peer.key_file = k;
	lo.batch_max = batch_max;
	lo.window = 3;
	lo.backoff_min_ms = 50;
	lo.backoff_max_ms = 300;
	assert_vt_ok(vt_repl_link_start(&l, n, &lo));
	return l;
}

static void add_docs(vt_node *n, int count)
{
	for (int i = 0; i < count; i++) {
		vt_apply_result c;
		char sym[32];
		snprintf(sym, sizeof(sym), "%d/CV-UBND", (int)vt_log_size(n->log));
		assert_vt_ok(vt_test_create_incoming(n, sym, "V/v sao chép", &c));
	}
}

static void wait_acked(vt_repl_link *l, uint64_t size)
{
	for (int i = 0; i < 3000 && vt_repl_link_acked(l) < size; i++)
		usleep(10000);
	assert_int_equal(vt_repl_link_acked(l), size);
}

static void link_state(vt_repl_link *l, const char *want)
{
	Vanthu__V1__ReplStatus *st = NULL;
	int ok = 0;
	for (int i = 0; i < 1000 && !ok; i++) {
		assert_vt_ok(vt_repl_link_status(l, &st));
		ok = strcmp(st->units[0]->state, want) == 0;
		if (!ok)
			usleep(10000);
		vt_repl_status_free(st);
	}
	if (!ok)
		fail_msg("link never reached state %s", want);
}

static void test_catch_up_and_stream(void **state)
{
	fixture *f = *state;
	vt_repl_link *l;
	Vanthu__V1__CoSignedHead *mine = NULL, *hubs = NULL;
	Vanthu__V1__ReplStatus *st = NULL;
	add_docs(f->u1, 300);
	l = link_for(f, f->u1, "u1");
	wait_acked(l, vt_log_size(f->u1->log));
	add_docs(f->u1, 40); /* streaming */
	wait_acked(l, vt_log_size(f->u1->log));
	link_state(l, "streaming");
	/* the unit keeps the hub's co-signature of its own head */
	assert_vt_ok(vt_unit_meta_cosigned_get(f->u1->store, U1, &mine));
	assert_int_equal(mine->head->size, vt_log_size(f->u1->log));
	assert_vt_ok(vt_sth_verify(mine->head, f->u1->pk));
	assert_vt_ok(vt_cosig_verify(mine->head, mine->cosig, f->hub->pk));
	assert_vt_ok(vt_replica_head_get(f->hub->store, U1, &hubs));
	assert_memory_equal(hubs->head->root.data, mine->head->root.data, 32);
	/* the hub's view */
	assert_vt_ok(vt_repl_hub_status(f->rh, &st));
	assert_int_equal(st->n_units, 2); /* enrolled, in id order */
	assert_string_equal(st->units[0]->node_id, U1);
	assert_int_equal(st->units[0]->size, vt_log_size(f->u1->log));
	assert_string_equal(st->units[0]->state, "streaming");
	assert_string_equal(st->units[1]->node_id, U2);
	assert_string_equal(st->units[1]->state, "never");
	vt_repl_status_free(st);
	vt_repl_link_stop(l);
	vanthu__v1__co_signed_head__free_unpacked(mine, NULL);
	vanthu__v1__co_signed_head__free_unpacked(hubs, NULL);
}

static void test_hub_goes_away(void **state)
{
	fixture *f = *state;
	vt_repl_link *l;
	int port;
	add_docs(f->u1, 30);
	l = link_for(f, f->u1, "u1");
	wait_acked(l, vt_log_size(f->u1->log));
	port = f->port;
	server_stop(f);
	add_docs(f->u1, 120); /* a backlog while the hub is away */
	link_state(l, "backoff");
	assert_true(vt_repl_link_acked(l) < vt_log_size(f->u1->log));
	server_start(f, port);
	wait_acked(l, vt_log_size(f->u1->log));
	vt_repl_link_stop(l);
	/* a new link (a restarted unit) starts where the hub is */
	l = link_for(f, f->u1, "u1");
	assert_int_equal(vt_repl_link_acked(l), vt_log_size(f->u1->log));
	add_docs(f->u1, 5);
	wait_acked(l, vt_log_size(f->u1->log));
	vt_repl_link_stop(l);
}

static void test_not_enrolled(void **state)
{
	fixture *f = *state;
	vt_repl_link *l = link_for(f, f->u3, "u3"), *l2;
	Vanthu__V1__ReplStatus *st = NULL;
	link_state(l, "refused");
	assert_vt_ok(vt_repl_link_status(l, &st));
	assert_non_null(strstr(st->units[0]->last_error, "not enrolled"));
	vt_repl_status_free(st);
	vt_repl_link_stop(l);
	/* U1's certificate on U3's node: the names differ */
	l2 = link_for(f, f->u3, "u1");
	link_state(l2, "refused");
	assert_vt_ok(vt_repl_link_status(l2, &st));
	assert_non_null(strstr(st->units[0]->last_error, "certificate names"));
	vt_repl_status_free(st);
	vt_repl_link_stop(l2);
}

/* U1 records a document from U2 (as if relayed); its 01 goes back through
 * the hub to U2, and one from the hub's office to the hub. */
static void received_from(vt_node *n, const char *from, uint64_t seq)
{
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	Vanthu__V1__ExchangeReceived xr = VANTHU__V1__EXCHANGE_RECEIVED__INIT;
	Vanthu__V1__ExchangeMessage m = VANTHU__V1__EXCHANGE_MESSAGE__INIT;
	Vanthu__V1__DocumentMeta meta = VANTHU__V1__DOCUMENT_META__INIT;
	char source[64];
	vt_apply_result res;
	snprintf(source, sizeof(source), "%s/%llu", from, (unsigned long long)seq);
	meta.doc_type = "CV";
	meta.number_symbol = "7/UBND";
	meta.summary = "V/v phối hợp";
	m.to = n->node_id;
	m.document_id = source;
	m.sender_name = (char *)from;
	m.kind_case = VANTHU__V1__EXCHANGE_MESSAGE__KIND_DOCUMENT;
	m.document = &meta;
	xr.from = (char *)from;
	xr.from_seq = seq;
	xr.message = &m;
	ev.kind_case = VANTHU__V1__EVENT__KIND_EXCHANGE_RECEIVED;
	ev.exchange_received = &xr;
	assert_vt_ok(vt_log_append(n->log, "node", &ev, &res));
}

static void wait_cursor(vt_store *store, const char *origin, const char *from, uint64_t want)
{
	uint64_t got = 0;
	for (int i = 0; i < 1000; i++) {
		int error = vt_exchange_cursor(store, origin, from, &got);
		if (error == 0 && got >= want)
			return;
		usleep(10000);
	}
	fail_msg("%s never recorded message %llu from %s (has %llu)", origin, (unsigned long long)want, from,
		(unsigned long long)got);
}

static void test_relay(void **state)
{
	fixture *f = *state;
	vt_repl_link *l1 = link_for(f, f->u1, "u1"), *l2 = link_for(f, f->u2, "u2");
	uint64_t s1;
	received_from(f->u1, U2, 40);
	received_from(f->u1, HUB, 3);
	s1 = vt_log_size(f->u1->log);
	/* U1's 01 for U2 is entry s1 - 2, the one for the hub s1 - 1 */
	wait_cursor(f->u2->store, U2, U1, s1 - 2);
	wait_cursor(f->hub->store, HUB, U1, s1 - 1);
	/* and the hub's replica of U2 shows U2 recorded it */
	wait_acked(l2, vt_log_size(f->u2->log));
	wait_cursor(f->hub->store, U2, U1, s1 - 2);
	vt_repl_link_stop(l1);
	vt_repl_link_stop(l2);
}

/* A client with an enrolled certificate that breaks the protocol: each
 * stream ends with a clear error, nothing is applied, the hub goes on. */
static int raw_stream(fixture *f, vt_rpc_client *c, const uint8_t *const *msgs, const size_t *lens, size_t n)
{
	vt_rpc_stream *st = NULL;
	int error;
	if ((error = vt_rpc_stream_open(&st, c, VT_REPL_STREAM, NULL, 0, 10000)) < 0)
		return error;
	for (size_t i = 0; i < n && error == 0; i++)
		error = vt_rpc_stream_send(st, msgs[i], lens[i]);
	vt_rpc_stream_close_send(st);
	for (;;) {
		vt_rpc_buf b = { 0 };
		int r = vt_rpc_stream_recv(st, &b);
		vt_rpc_buf_dispose(&b);
		if (r <= 0) {
			error = r;
			break;
		}
	}
	(void)f;
	vt_rpc_stream_free(st);
	return error;
}

static size_t pack_up(const Vanthu__V1__ReplUp *m, uint8_t *buf)
{
	return vanthu__v1__repl_up__pack(m, buf);
}

static void test_bad_input(void **state)
{
	fixture *f = *state;
	vt_rpc_client *c = NULL;
	vt_rpc_client_opts co = { 0 };
	char addr[64], ca[4400], cert[4400], key[4400];
	static uint8_t hello[512], batch[4096], garbage[] = { 0xff, 0xff, 0xff, 0x0f, 0x01 }, blob[512];
	size_t hl, bl, gl = sizeof(garbage), ol;
	Vanthu__V1__ReplUp m = VANTHU__V1__REPL_UP__INIT;
	Vanthu__V1__ReplHello h = VANTHU__V1__REPL_HELLO__INIT;
	Vanthu__V1__ReplBatch b = VANTHU__V1__REPL_BATCH__INIT;
	Vanthu__V1__ReplBlob rb = VANTHU__V1__REPL_BLOB__INIT;
	Vanthu__V1__TreeHead *head = NULL;
	ProtobufCBinaryData junk[1] = { { 3, (uint8_t *)"abc" } };
	vt_repl_link *l;
	uint8_t sha[32] = { 1 };
	snprintf(addr, sizeof(addr), "localhost:%d", f->port);
	snprintf(ca, sizeof(ca), "%s/ca.pem", f->tls);
	snprintf(cert, sizeof(cert), "%s/u1.pem", f->tls);
	snprintf(key, sizeof(key), "%s/u1.key", f->tls);
	co.ca_file = ca;
	co.cert_file = cert;
	co.key_file = key;
	assert_vt_ok(vt_rpc_client_new(&c, addr, &co));
	h.node_id = U1;
	h.size = vt_log_size(f->u1->log);
	m.kind_case = VANTHU__V1__REPL_UP__KIND_HELLO;
	m.hello = &h;
	hl = pack_up(&m, hello);
	assert_vt_ok(vt_log_latest_sth(f->u1->store, U1, &head));
	{
		/* not a message at all, before and after the hello */
		const uint8_t *g1[1] = { garbage }, *g2[2] = { hello, garbage };
		size_t l1[1] = { gl }, l2[2] = { hl, gl };
		assert_vt_error(raw_stream(f, c, g1, l1, 1), VT_EINVAL, "must be a hello");
		assert_vt_error(raw_stream(f, c, g2, l2, 2), VT_EINVAL, "does not decode");
	}
	{
		/* entries that are not log entries, under a real head */
		const uint8_t *g[2] = { hello, batch };
		size_t ls[2];
		b.from = 0;
		b.entries = junk;
		b.n_entries = 1;
		b.head = head;
		m.kind_case = VANTHU__V1__REPL_UP__KIND_BATCH;
		m.batch = &b;
		bl = pack_up(&m, batch);
		ls[0] = hl;
		ls[1] = bl;
		assert_true(raw_stream(f, c, g, ls, 2) < 0);
		/* a gap: entries from far ahead */
		b.from = 1000;
		bl = pack_up(&m, batch);
		ls[1] = bl;
		assert_vt_error(raw_stream(f, c, g, ls, 2), VT_EINVAL, "gap");
	}
	{
		/* blob chunks that do not start at 0 */
		const uint8_t *g[2] = { hello, blob };
		size_t ls[2];
		rb.sha256.data = sha;
		rb.sha256.len = 32;
		rb.size = 10;
		rb.offset = 5;
		rb.data.data = (uint8_t *)"12345";
		rb.data.len = 5;
		m.kind_case = VANTHU__V1__REPL_UP__KIND_BLOB;
		m.blob = &rb;
		ol = pack_up(&m, blob);
		ls[0] = hl;
		ls[1] = ol;
		assert_vt_error(raw_stream(f, c, g, ls, 2), VT_EINVAL, "out of order");
	}
	vanthu__v1__tree_head__free_unpacked(head, NULL);
	vt_rpc_client_free(c);
	/* nothing was applied, nothing refused: the real link goes on */
	assert_int_equal(vt_log_stored_size_or0(f->hub->store, U1), 0);
	l = link_for(f, f->u1, "u1");
	wait_acked(l, vt_log_size(f->u1->log));
	vt_repl_link_stop(l);
}

/* 17,000 entries of ~4 KiB (70 MB) in batches of up to 65536 entries: one
 * message would pass the 64 MiB limit, but a batch ends at a kept head
 * once it holds 8 MiB. */
static void test_large_entries(void **state)
{
	fixture *f = *state;
	vt_repl_link *l;
	char summary[4000];
	memset(summary, 'x', sizeof(summary) - 1);
	summary[sizeof(summary) - 1] = 0;
	for (int i = 0; i < 17000; i++) {
		vt_apply_result c;
		char sym[32];
		snprintf(sym, sizeof(sym), "%d/CV-LON", i);
		assert_vt_ok(vt_test_create_incoming(f->u1, sym, summary, &c));
	}
	l = link_opts(f, f->u1, "u1", 65536);
	wait_acked(l, vt_log_size(f->u1->log));
	vt_repl_link_stop(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_catch_up_and_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hub_goes_away, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_enrolled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_entries, setup, teardown),
	};
	setenv("GRPC_VERBOSITY", "NONE", 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
