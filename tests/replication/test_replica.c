/* The hub's verified replica of a unit's log. */
#include "events.h"
#include "testutil.h"

#include "replication/replica.h"
#include "store/sth.h"
#include "verify.h"

#include <sodium.h>

typedef struct fixture {
	char udir[4096], hdir[4096];
	vt_node *unit;        /* the unit's node */
	vt_node *hub;         /* the hub's node: its store holds the replica */
	vt_replica *rep;
} fixture;

static void add_docs(vt_node *n, int count)
{
	for (int i = 0; i < count; i++) {
		vt_apply_result c, r;
		char sym[32];
		snprintf(sym, sizeof(sym), "%d/QĐ-UBND", (int)vt_log_size(n->log));
		assert_vt_ok(vt_test_create_incoming(n, sym, "V/v nhân rộng", &c));
		assert_vt_ok(vt_test_register(n, c.document_id, "den", 1, &r));
	}
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	vt_node_init_opts io = { 0 };
	char path[4096];
	f->unit = vt_test_node_new(f->udir, sizeof(f->udir), "repl-unit", NULL);
	vt_test_tmpdir(path, sizeof(path), "repl-hub");
	snprintf(f->hdir, sizeof(f->hdir), "%.4000s/node", path);
	io.node_id = "000.00.00.HUB";
	io.role = "hub";
	assert_vt_ok(vt_node_init(f->hdir, &io));
	assert_vt_ok(vt_node_open(&f->hub, f->hdir, NULL));
	assert_vt_ok(vt_replica_open(&f->rep, f->hub->store, f->unit->node_id, f->unit->pk));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	vt_replica_free(f->rep);
	vt_test_node_done(f->hub, f->hdir);
	vt_test_node_done(f->unit, f->udir);
	free(f);
	return 0;
}

typedef struct batch {
	uint8_t **raw;
	size_t *len;
	size_t n;
} batch;

static void read_batch(vt_node *u, uint64_t from, uint64_t to, batch *b)
{
	b->n = (size_t)(to - from);
	b->raw = calloc(b->n + 1, sizeof(*b->raw));
	b->len = calloc(b->n + 1, sizeof(*b->len));
	for (size_t i = 0; i < b->n; i++)
		assert_vt_ok(vt_log_entry_raw(u->store, u->node_id, from + i, (char **)&b->raw[i], &b->len[i]));
}

static void free_batch(batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->raw[i]);
	free(b->raw);
	free(b->len);
}

/* Ships [from, unit size) with the unit's latest head. */
static int ship(fixture *f, uint64_t from)
{
	Vanthu__V1__TreeHead *head = NULL;
	Vanthu__V1__CoSignature cs;
	uint8_t buf[72];
	batch b;
	int error;
	assert_vt_ok(vt_log_latest_sth(f->unit->store, f->unit->node_id, &head));
	read_batch(f->unit, from, head->size, &b);
	error = vt_replica_push(f->rep, from, (const uint8_t *const *)b.raw, b.len, b.n, head, f->hub->node_id,
		f->hub->sk, &cs, buf);
	if (!error)
		assert_vt_ok(vt_cosig_verify(head, &cs, f->hub->pk));
	free_batch(&b);
	vanthu__v1__tree_head__free_unpacked(head, NULL);
	return error;
}

static void test_catch_up_identical(void **state)
{
	fixture *f = *state;
	Vanthu__V1__CoSignedHead *ch = NULL;
	uint64_t keys = 0;
	add_docs(f->unit, 40);
	assert_vt_ok(ship(f, 0));
	assert_int_equal(vt_replica_size(f->rep), vt_log_size(f->unit->log));
	/* the hub's copy: same log, same tree, same derived state, byte for byte */
	assert_vt_ok(vt_store_compare(f->unit->store, f->hub->store, f->unit->node_id, &keys));
	assert_true(keys > 100);
	assert_vt_ok(vt_replica_head(f->rep, &ch));
	assert_int_equal(ch->head->size, vt_log_size(f->unit->log));
	assert_vt_ok(vt_cosig_verify(ch->head, ch->cosig, f->hub->pk));
	vanthu__v1__co_signed_head__free_unpacked(ch, NULL);
	/* more, incrementally; a resend of what the hub has is harmless */
	add_docs(f->unit, 10);
	assert_vt_ok(ship(f, vt_replica_size(f->rep) - 5));
	add_docs(f->unit, 3);
	assert_vt_ok(ship(f, vt_replica_size(f->rep)));
	assert_vt_ok(vt_store_compare(f->unit->store, f->hub->store, f->unit->node_id, &keys));
	/* the hub's own log is untouched by the replica, and both verify */
	{
		vt_verify_report rep;
		assert_vt_ok(vt_log_verify(f->hub->store, f->hub->node_id, NULL, NULL, &rep));
		assert_vt_ok(vt_log_verify(f->hub->store, f->unit->node_id, f->unit->pk, NULL, &rep));
	}
	/* a reopened replica goes on from where it was */
	vt_replica_free(f->rep);
	assert_vt_ok(vt_replica_open(&f->rep, f->hub->store, f->unit->node_id, f->unit->pk));
	add_docs(f->unit, 2);
	assert_vt_ok(ship(f, vt_replica_size(f->rep)));
	assert_int_equal(vt_replica_size(f->rep), vt_log_size(f->unit->log));
}

static void test_refusals(void **state)
{
	fixture *f = *state;
	Vanthu__V1__TreeHead *head = NULL;
	Vanthu__V1__CoSignature cs;
	uint8_t buf[72], sig_save;
	uint64_t held;
	batch b;
	add_docs(f->unit, 10);
	assert_vt_ok(ship(f, 0));
	held = vt_replica_size(f->rep);
	add_docs(f->unit, 5);
	assert_vt_ok(vt_log_latest_sth(f->unit->store, f->unit->node_id, &head));

	/* a gap */
	read_batch(f->unit, held + 1, head->size, &b);
	assert_vt_error(vt_replica_push(f->rep, held + 1, (const uint8_t *const *)b.raw, b.len, b.n, head,
		f->hub->node_id, f->hub->sk, &cs, buf), VT_EINVAL, "gap");
	free_batch(&b);

	/* a rewritten old entry (edited behind the node's back): refused, nothing applied */
	read_batch(f->unit, 2, head->size, &b);
	b.raw[1][b.len[1] / 2] ^= 0x5a;
	assert_vt_error(vt_replica_push(f->rep, 2, (const uint8_t *const *)b.raw, b.len, b.n, head,
		f->hub->node_id, f->hub->sk, &cs, buf), VT_ECORRUPT, "rewrote entry 3");
	assert_int_equal(vt_replica_size(f->rep), held);
	free_batch(&b);

	/* a new entry changed in transit: the signed root does not match */
	read_batch(f->unit, held, head->size, &b);
	b.raw[2][b.len[2] - 3] ^= 0x01;
	{
		int rc = vt_replica_push(f->rep, held, (const uint8_t *const *)b.raw, b.len, b.n, head,
			f->hub->node_id, f->hub->sk, &cs, buf);
		assert_true(rc == VT_ESIG || rc == VT_ECORRUPT);
	}
	assert_int_equal(vt_replica_size(f->rep), held);
	b.raw[2][b.len[2] - 3] ^= 0x01;

	/* a forged head: signature broken, or signed by another key */
	sig_save = head->signature.data[0];
	head->signature.data[0] ^= 1;
	assert_vt_error(vt_replica_push(f->rep, held, (const uint8_t *const *)b.raw, b.len, b.n, head,
		f->hub->node_id, f->hub->sk, &cs, buf), VT_ESIG, "does not verify");
	head->signature.data[0] = sig_save;
	{
		uint8_t pk2[32], sk2[64], sig2[64], kid2[8];
		crypto_sign_keypair(pk2, sk2);
		Vanthu__V1__TreeHead other = *head;
		vt_sth_sign(&other, sk2, sig2, kid2);
		assert_vt_error(vt_replica_push(f->rep, held, (const uint8_t *const *)b.raw, b.len, b.n, &other,
			f->hub->node_id, f->hub->sk, &cs, buf), VT_ESIG, "another key");
	}
	assert_int_equal(vt_replica_size(f->rep), held);
	/* the honest push still goes through afterwards */
	assert_vt_ok(vt_replica_push(f->rep, held, (const uint8_t *const *)b.raw, b.len, b.n, head,
		f->hub->node_id, f->hub->sk, &cs, buf));
	free_batch(&b);
	vanthu__v1__tree_head__free_unpacked(head, NULL);

	/* a shorter log than the hub verified: truncated */
	assert_vt_ok(vt_log_sth_at(f->unit->store, f->unit->node_id, held, &head));
	read_batch(f->unit, 0, held, &b);
	assert_vt_error(vt_replica_push(f->rep, 0, (const uint8_t *const *)b.raw, b.len, b.n, head,
		f->hub->node_id, f->hub->sk, &cs, buf), VT_ECORRUPT, "truncated");
	free_batch(&b);
	vanthu__v1__tree_head__free_unpacked(head, NULL);
}

static void test_enrolled_key(void **state)
{
	fixture *f = *state;
	vt_replica *other = NULL;
	uint8_t wrong[32] = { 1 };
	vt_replica_free(f->rep);
	assert_vt_ok(vt_replica_open(&other, f->hub->store, f->unit->node_id, wrong));
	f->rep = other;
	assert_vt_error(ship(f, 0), VT_ESIG, "another key than the one enrolled");
	assert_int_equal(vt_replica_size(f->rep), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_catch_up_identical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enrolled_key, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
