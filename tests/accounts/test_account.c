/* Accounts, units, passwords, sessions and login back-off. */
#include "testutil.h"

#include "accounts/account.h"
#include "verify.h"

#include <sodium.h>
#include <unistd.h>

typedef struct fixture {
	char dir[4096];
	vt_node *node;
	vt_auth *auth;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	vt_auth_opts ao = { .lockout_base_s = 1, .lockout_max_s = 2 };
	f->node = vt_test_node_new(f->dir, sizeof(f->dir), "account", NULL);
	assert_vt_ok(vt_auth_new(&f->auth, f->node->log, &ao));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	vt_auth_free(f->auth);
	vt_test_node_done(f->node, f->dir);
	free(f);
	return 0;
}

static int define_unit(vt_node *n, const char *id, const char *name, const char *parent)
{
	Vanthu__V1__OrgUnit u = VANTHU__V1__ORG_UNIT__INIT;
	Vanthu__V1__UnitDefined ud = VANTHU__V1__UNIT_DEFINED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	u.id = (char *)id;
	u.name = (char *)name;
	u.parent = (char *)parent;
	ud.unit = &u;
	ev.kind_case = VANTHU__V1__EVENT__KIND_UNIT_DEFINED;
	ev.unit_defined = &ud;
	return vt_log_append(n->log, "admin", &ev, NULL);
}

static int create(vt_node *n, const char *name, const char *full, Vanthu__V1__Role role,
	const char *unit, const char *password)
{
	Vanthu__V1__Account a = VANTHU__V1__ACCOUNT__INIT;
	Vanthu__V1__Role roles[1] = { role };
	a.name = (char *)name;
	a.full_name = (char *)full;
	a.roles = roles;
	a.n_roles = role ? 1 : 0;
	a.unit = (char *)unit;
	return vt_account_create(n->log, "admin", &a, password, "test", NULL);
}

static int update(vt_node *n, const char *name, int disable, Vanthu__V1__Role role)
{
	Vanthu__V1__AccountUpdated u = VANTHU__V1__ACCOUNT_UPDATED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	Vanthu__V1__Role roles[1] = { role };
	u.name = (char *)name;
	if (disable >= 0) {
		u.set_disabled = 1;
		u.disabled = disable;
	}
	if (role) {
		u.set_roles = 1;
		u.roles = roles;
		u.n_roles = 1;
	}
	ev.kind_case = VANTHU__V1__EVENT__KIND_ACCOUNT_UPDATED;
	ev.account_updated = &u;
	return vt_log_append(n->log, "admin", &ev, NULL);
}

static void test_create_refusals(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *name, *full, *unit, *password;
		Vanthu__V1__Role role;
		int code;
		const char *msg;
	} cases[] = {
		{ "X", "Full", "", "longenough1", VANTHU__V1__ROLE__CLERK, VT_EINVAL, "login name" },
		{ "a", "Full", "", "longenough1", VANTHU__V1__ROLE__CLERK, VT_EINVAL, "login name" },
		{ "ok.name", "", "", "longenough1", VANTHU__V1__ROLE__CLERK, VT_EINVAL, "full name" },
		{ "ok.name", "Full", "", "longenough1", 0, VT_EINVAL, "at least one role" },
		{ "ok.name", "Full", "", "short", VANTHU__V1__ROLE__CLERK, VT_EINVAL, "too short" },
		{ "ok.name", "Full", "nope", "longenough1", VANTHU__V1__ROLE__CLERK, VT_EINVAL, "no organisation unit" },
		{ "ok.name", "Full", "", "longenough1", (Vanthu__V1__Role)99, VT_EINVAL, "not a known role" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_vt_error(create(f->node, cases[i].name, cases[i].full, cases[i].role, cases[i].unit,
			cases[i].password), cases[i].code, cases[i].msg);
	assert_vt_ok(define_unit(f->node, "vp", "Văn phòng", ""));
	assert_vt_error(define_unit(f->node, "kh", "Phòng Kế hoạch", "nope"), VT_EINVAL, "no organisation unit");
	assert_vt_ok(create(f->node, "lan.nt", "Nguyễn Thị Lan", VANTHU__V1__ROLE__CLERK, "vp", "mật khẩu dài"));
	assert_vt_error(create(f->node, "lan.nt", "Khác", VANTHU__V1__ROLE__STAFF, "", "longenough1"),
		VT_EEXISTS, "already exists");
}

static void test_login_session(void **state)
{
	fixture *f = *state;
	char token[VT_TOKEN_HEX + 1];
	Vanthu__V1__Account *a = NULL;
	int64_t exp = 0;
	assert_vt_ok(create(f->node, "lan.nt", "Nguyễn Thị Lan", VANTHU__V1__ROLE__CLERK, "", "correct horse"));
	assert_vt_ok(vt_auth_login(f->auth, "lan.nt", "correct horse", "ipv4:127.0.0.1:5", token, &exp));
	assert_int_equal(strlen(token), VT_TOKEN_HEX);
	assert_true(exp > vt_clock_now(NULL));
	assert_vt_ok(vt_auth_check(f->auth, token, &a));
	assert_string_equal(a->name, "lan.nt");
	assert_true(vt_account_has_role(a, VANTHU__V1__ROLE__CLERK));
	assert_false(vt_account_has_role(a, VANTHU__V1__ROLE__ADMIN));
	vanthu__v1__account__free_unpacked(a, NULL);

	/* wrong password and unknown user say the same thing */
	assert_vt_error(vt_auth_login(f->auth, "lan.nt", "wrong horse", "", token, NULL), VT_EAUTH,
		"wrong login name or password");
	assert_vt_error(vt_auth_login(f->auth, "nobody", "wrong horse", "", token, NULL), VT_EAUTH,
		"wrong login name or password");
	/* garbage tokens */
	assert_vt_error(vt_auth_check(f->auth, "zz", &a), VT_EAUTH, "not logged in");
	assert_vt_error(vt_auth_check(f->auth, NULL, &a), VT_EAUTH, "not logged in");
	{
		char other[VT_TOKEN_HEX + 1];
		memset(other, 'a', VT_TOKEN_HEX);
		other[VT_TOKEN_HEX] = 0;
		assert_vt_error(vt_auth_check(f->auth, other, &a), VT_EAUTH, "session unknown");
	}
	/* logout ends the session */
	assert_vt_ok(vt_auth_logout(f->auth, token));
	assert_vt_error(vt_auth_check(f->auth, token, &a), VT_EAUTH, "session unknown");
}

static void test_password_change_ends_sessions(void **state)
{
	fixture *f = *state;
	char t1[VT_TOKEN_HEX + 1], t2[VT_TOKEN_HEX + 1];
	Vanthu__V1__Account *a = NULL;
	assert_vt_ok(create(f->node, "minh.lv", "Lê Văn Minh", VANTHU__V1__ROLE__STAFF, "", "first password"));
	assert_vt_ok(vt_auth_login(f->auth, "minh.lv", "first password", "", t1, NULL));
	assert_vt_error(vt_account_set_password(f->node->log, "minh.lv", "minh.lv", "not it", "second password", NULL),
		VT_EAUTH, "current password is wrong");
	assert_vt_error(vt_account_set_password(f->node->log, "minh.lv", "minh.lv", "first password", "first password",
		NULL), VT_EINVAL, "must differ");
	assert_vt_error(vt_account_set_password(f->node->log, "minh.lv", "minh.lv", "first password", "short", NULL),
		VT_EINVAL, "too short");
	assert_vt_ok(vt_account_set_password(f->node->log, "minh.lv", "minh.lv", "first password", "second password",
		NULL));
	assert_vt_error(vt_auth_check(f->auth, t1, &a), VT_EAUTH, "password changed");
	assert_vt_error(vt_auth_login(f->auth, "minh.lv", "first password", "", t2, NULL), VT_EAUTH, "wrong");
	assert_vt_ok(vt_auth_login(f->auth, "minh.lv", "second password", "", t2, NULL));
	assert_vt_ok(vt_auth_check(f->auth, t2, &a));
	vanthu__v1__account__free_unpacked(a, NULL);
	/* admin reset: no old password, sessions end too */
	assert_vt_ok(vt_account_set_password(f->node->log, "admin", "minh.lv", NULL, "third password", NULL));
	assert_vt_error(vt_auth_check(f->auth, t2, &a), VT_EAUTH, "password changed");
	assert_vt_error(vt_account_set_password(f->node->log, "admin", "ghost", NULL, "third password", NULL),
		VT_ENOTFOUND, "no account");
}

static void test_disable_and_roles(void **state)
{
	fixture *f = *state;
	char t[VT_TOKEN_HEX + 1];
	Vanthu__V1__Account *a = NULL;
	assert_vt_ok(create(f->node, "hoa.pt", "Phạm Thị Hoa", VANTHU__V1__ROLE__STAFF, "", "a good password"));
	assert_vt_ok(vt_auth_login(f->auth, "hoa.pt", "a good password", "", t, NULL));
	assert_vt_ok(update(f->node, "hoa.pt", -1, VANTHU__V1__ROLE__UNIT_LEADER));
	assert_vt_ok(vt_auth_check(f->auth, t, &a));
	assert_true(vt_account_has_role(a, VANTHU__V1__ROLE__UNIT_LEADER));
	assert_false(vt_account_has_role(a, VANTHU__V1__ROLE__STAFF));
	vanthu__v1__account__free_unpacked(a, NULL);
	assert_vt_ok(update(f->node, "hoa.pt", 1, 0));
	assert_vt_error(vt_auth_check(f->auth, t, &a), VT_EAUTH, "disabled");
	assert_vt_error(vt_auth_login(f->auth, "hoa.pt", "a good password", "", t, NULL), VT_EPERM, "disabled");
	assert_vt_ok(update(f->node, "hoa.pt", 0, 0));
	assert_vt_ok(vt_auth_login(f->auth, "hoa.pt", "a good password", "", t, NULL));
	assert_vt_error(update(f->node, "ghost", 1, 0), VT_ENOTFOUND, "no account");
}

static void test_lockout(void **state)
{
	fixture *f = *state;
	char t[VT_TOKEN_HEX + 1];
	assert_vt_ok(create(f->node, "tuan.nv", "Nguyễn Văn Tuấn", VANTHU__V1__ROLE__CLERK, "", "right password"));
	for (int i = 0; i < 5; i++)
		assert_vt_error(vt_auth_login(f->auth, "tuan.nv", "bad password", "", t, NULL), VT_EAUTH, "wrong");
	/* locked: even the right password is refused, and it says for how long */
	assert_vt_error(vt_auth_login(f->auth, "tuan.nv", "right password", "", t, NULL), VT_EBUSY, "try again in");
	/* others are not affected */
	assert_vt_ok(create(f->node, "an.tv", "Trần Văn An", VANTHU__V1__ROLE__CLERK, "", "other password"));
	assert_vt_ok(vt_auth_login(f->auth, "an.tv", "other password", "", t, NULL));
	/* the lock lapses (base 1 s in this fixture) */
	sleep(2);
	assert_vt_ok(vt_auth_login(f->auth, "tuan.nv", "right password", "", t, NULL));
}

static void test_secrets_stay_out_of_the_log(void **state)
{
	fixture *f = *state;
	vt_verify_opts vo = { .rebuild = 1 };
	vt_verify_report rep;
	char *raw = NULL;
	size_t len;
	assert_vt_ok(define_unit(f->node, "vp", "Văn phòng", ""));
	assert_vt_ok(create(f->node, "lan.nt", "Nguyễn Thị Lan", VANTHU__V1__ROLE__CLERK, "vp", "secret phrase 1"));
	assert_vt_ok(vt_account_set_password(f->node->log, "lan.nt", "lan.nt", "secret phrase 1", "secret phrase 2",
		NULL));
	for (uint64_t seq = 0; seq < vt_log_size(f->node->log); seq++) {
		assert_vt_ok(vt_log_entry_raw(f->node->store, f->node->node_id, seq, &raw, &len));
		assert_null(memmem(raw, len, "$argon2id", 9));
		assert_null(memmem(raw, len, "secret phrase", 13));
		free(raw);
	}
	/* the account state still rebuilds from the log alone */
	assert_vt_ok(vt_log_verify(f->node->store, f->node->node_id, NULL, &vo, &rep));
	assert_true(rep.state_keys > 0);
}

static void test_session_expires(void **state)
{
	fixture *f = *state;
	vt_auth *quick = NULL;
	vt_auth_opts ao = { .session_ttl_s = 1 };
	char t[VT_TOKEN_HEX + 1];
	Vanthu__V1__Account *a = NULL;
	assert_vt_ok(vt_auth_new(&quick, f->node->log, &ao));
	assert_vt_ok(create(f->node, "ngan.ht", "Hồ Thị Ngân", VANTHU__V1__ROLE__ARCHIVIST, "", "archive password"));
	assert_vt_ok(vt_auth_login(quick, "ngan.ht", "archive password", "", t, NULL));
	assert_vt_ok(vt_auth_check(quick, t, &a));
	vanthu__v1__account__free_unpacked(a, NULL);
	sleep(2);
	assert_vt_error(vt_auth_check(quick, t, &a), VT_EAUTH, "expired");
	vt_auth_free(quick);
}

static void test_role_names(void **state)
{
	Vanthu__V1__Role r;
	(void)state;
	for (int i = 1; i <= 7; i++) {
		assert_vt_ok(vt_role_parse(vt_role_name((Vanthu__V1__Role)i), &r));
		assert_int_equal(r, i);
	}
	assert_vt_error(vt_role_parse("boss", &r), VT_EINVAL, "unknown role");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password_change_ends_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_and_roles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secrets_stay_out_of_the_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_expires, setup, teardown),
		cmocka_unit_test(test_role_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
