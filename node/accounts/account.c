/* Accounts and units (events), passwords (Argon2id) and sessions. */
#include "accounts/account.h"
#include "store/keyspace.h"
#include "store/error.h"

#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char *const role_names[] = {
	[VANTHU__V1__ROLE__ROLE_UNSPECIFIED] = "none",
	[VANTHU__V1__ROLE__CLERK] = "clerk",
	[VANTHU__V1__ROLE__STAFF] = "staff",
	[VANTHU__V1__ROLE__UNIT_LEADER] = "unit-leader",
	[VANTHU__V1__ROLE__AGENCY_LEADER] = "agency-leader",
	[VANTHU__V1__ROLE__ARCHIVIST] = "archivist",
	[VANTHU__V1__ROLE__AUDITOR] = "auditor",
	[VANTHU__V1__ROLE__ADMIN] = "admin",
};
#define NROLES (sizeof(role_names) / sizeof(role_names[0]))

const char *vt_role_name(Vanthu__V1__Role role)
{
	return (unsigned)role < NROLES ? role_names[role] : "?";
}

int vt_role_parse(const char *name, Vanthu__V1__Role *out)
{
	for (unsigned i = 1; i < NROLES; i++)
		if (strcmp(role_names[i], name) == 0) {
			*out = (Vanthu__V1__Role)i;
			return 0;
		}
	return vt_error_set(VT_EINVAL, "unknown role '%s' (clerk, staff, unit-leader, agency-leader, "
		"archivist, auditor, admin)", name);
}

void vt_role_list(char *out, size_t cap, uint32_t roles)
{
	size_t used = 0;
	out[0] = 0;
	for (unsigned i = 1; i < NROLES && used + 1 < cap; i++)
		if (roles & (1u << i))
			used += (size_t)snprintf(out + used, cap - used, "%s%s", used ? ", " : "", role_names[i]);
}

int vt_account_has_role(const Vanthu__V1__Account *a, Vanthu__V1__Role role)
{
	for (size_t i = 0; i < a->n_roles; i++)
		if (a->roles[i] == role)
			return 1;
	return 0;
}

static void key_account(vt_key *k, const char *origin, const char *name)
{
	vt_key_init(k, origin);
	vt_key_u8(k, VT_ACCT_ACCOUNT);
	vt_key_str(k, name);
}

static void key_unit(vt_key *k, const char *origin, const char *id)
{
	vt_key_init(k, origin);
	vt_key_u8(k, VT_ACCT_UNIT);
	vt_key_str(k, id);
}

static void key_cred(vt_key *k, const char *origin, const char *name)
{
	vt_key_init(k, origin);
	vt_key_u8(k, VT_META_CRED);
	vt_key_str(k, name);
}

static void key_session(vt_key *k, const char *origin, const uint8_t hash[VT_HASH_LEN])
{
	vt_key_init(k, origin);
	vt_key_u8(k, VT_META_SESSION);
	vt_key_bytes(k, hash, VT_HASH_LEN);
}

int vt_account_has_password(vt_store *store, const char *origin, const char *name)
{
	vt_key k;
	char *v = NULL;
	size_t n;
	int error;
	key_cred(&k, origin, name);
	if ((error = vt_key_check(&k)) < 0)
		return error;
	error = vt_store_get(store, VT_CF_META, k.buf, k.len, &v, &n);
	free(v);
	return error == 0 ? 1 : error == VT_ENOTFOUND ? 0 : error;
}

/* Login names: 2-64 of [a-z0-9._-], starting with a letter. */
static int name_ok(const char *n)
{
	size_t len = strlen(n);
	if (len < 2 || len > 64 || !islower((unsigned char)n[0]))
		return 0;
	for (; *n; n++)
		if (!islower((unsigned char)*n) && !isdigit((unsigned char)*n) && *n != '.' && *n != '_' && *n != '-')
			return 0;
	return 1;
}

static int roles_ok(Vanthu__V1__Role *roles, size_t n)
{
	if (n == 0)
		return vt_error_set(VT_EINVAL, "an account needs at least one role");
	for (size_t i = 0; i < n; i++)
		if ((unsigned)roles[i] == 0 || (unsigned)roles[i] >= NROLES)
			return vt_error_set(VT_EINVAL, "role %d is not a known role", (int)roles[i]);
	return 0;
}

int vt_unit_exists(vt_apply_ctx *ctx, const char *id)
{
	vt_key k;
	char *v = NULL;
	size_t n;
	int error;
	if (!*id)
		return 0;
	key_unit(&k, ctx->origin, id);
	if ((error = vt_batch_get(ctx->batch, VT_CF_ACCOUNT, k.buf, k.len, &v, &n)) < 0)
		return error == VT_ENOTFOUND ? vt_error_set(VT_EINVAL, "no organisation unit '%s'", id) : error;
	free(v);
	return 0;
}

int vt_account_apply_node(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	const Vanthu__V1__NodeInitialized *n = e->event->node_initialized;
	vt_key k;
	(void)res;
	if (e->seq != 0)
		return vt_error_set(VT_ECONFLICT, "node_initialized at entry %llu: only entry 0 may initialise",
			(unsigned long long)e->seq);
	if (strcmp(n->node_id, ctx->origin) != 0)
		return vt_error_set(VT_EINVAL, "node_initialized names node '%s' in the log of '%s'",
			n->node_id, ctx->origin);
	if (n->public_key.len != 32)
		return vt_error_set(VT_EINVAL, "node_initialized: public key must be 32 bytes");
	if (strcmp(n->role, "unit") != 0 && strcmp(n->role, "hub") != 0)
		return vt_error_set(VT_EINVAL, "node_initialized: role must be unit or hub, not '%s'", n->role);
	vt_key_init(&k, ctx->origin);
	vt_key_u8(&k, VT_ACCT_NODE);
	return vt_apply_put(ctx, VT_CF_ACCOUNT, &k, &n->base);
}

int vt_apply_node(vt_apply_ctx *ctx, Vanthu__V1__NodeInitialized **out)
{
	vt_key k;
	vt_key_init(&k, ctx->origin);
	vt_key_u8(&k, VT_ACCT_NODE);
	return vt_apply_get(ctx, VT_CF_ACCOUNT, &k, &vanthu__v1__node_initialized__descriptor, (ProtobufCMessage **)out);
}

int vt_account_apply_created(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	const Vanthu__V1__Account *in = e->event->account_created->account;
	Vanthu__V1__Account acc;
	vt_key k;
	char *v = NULL;
	size_t n;
	int error;
	(void)res;
	if (!in)
		return vt_error_set(VT_EINVAL, "account_created without an account");
	if (!name_ok(in->name))
		return vt_error_set(VT_EINVAL, "login name '%s': 2-64 of a-z 0-9 . _ -, starting with a letter", in->name);
	if (!*in->full_name)
		return vt_error_set(VT_EINVAL, "account '%s' needs the person's full name", in->name);
	if ((error = roles_ok(in->roles, in->n_roles)) < 0 || (error = vt_unit_exists(ctx, in->unit)) < 0)
		return error;
	key_account(&k, ctx->origin, in->name);
	if ((error = vt_batch_get(ctx->batch, VT_CF_ACCOUNT, k.buf, k.len, &v, &n)) == 0) {
		free(v);
		return vt_error_set(VT_EEXISTS, "account '%s' already exists", in->name);
	} else if (error != VT_ENOTFOUND) {
		return error;
	}
	acc = *in;
	acc.created_at = e->time;
	acc.created_by = e->actor;
	acc.password_changed_at = e->time;
	acc.updated_seq = e->seq;
	acc.disabled = 0;
	return vt_apply_put(ctx, VT_CF_ACCOUNT, &k, &acc.base);
}

static int load_account(vt_apply_ctx *ctx, const char *name, vt_key *k, Vanthu__V1__Account **out)
{
	int error;
	key_account(k, ctx->origin, name);
	error = vt_apply_get(ctx, VT_CF_ACCOUNT, k, &vanthu__v1__account__descriptor, (ProtobufCMessage **)out);
	if (error == VT_ENOTFOUND)
		vt_error_set(VT_ENOTFOUND, "no account '%s'", name);
	return error;
}

int vt_account_load(vt_apply_ctx *ctx, const char *name, Vanthu__V1__Account **out)
{
	vt_key k;
	return load_account(ctx, name, &k, out);
}

int vt_account_apply_updated(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	const Vanthu__V1__AccountUpdated *u = e->event->account_updated;
	Vanthu__V1__Account *old = NULL, acc;
	vt_key k;
	int error;
	(void)res;
	if ((error = load_account(ctx, u->name, &k, &old)) < 0)
		return error;
	acc = *old;
	if (u->set_full_name) {
		if (!*u->full_name) {
			error = vt_error_set(VT_EINVAL, "full name cannot be empty");
			goto out;
		}
		acc.full_name = u->full_name;
	}
	if (u->set_roles) {
		if ((error = roles_ok(u->roles, u->n_roles)) < 0)
			goto out;
		acc.roles = u->roles;
		acc.n_roles = u->n_roles;
	}
	if (u->set_unit) {
		if ((error = vt_unit_exists(ctx, u->unit)) < 0)
			goto out;
		acc.unit = u->unit;
	}
	if (u->set_position)
		acc.position = u->position;
	if (u->set_disabled)
		acc.disabled = u->disabled;
	acc.updated_seq = e->seq;
	error = vt_apply_put(ctx, VT_CF_ACCOUNT, &k, &acc.base);
out:
	vanthu__v1__account__free_unpacked(old, NULL);
	return error;
}

int vt_account_apply_password(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	Vanthu__V1__Account *old = NULL, acc;
	vt_key k;
	int error;
	(void)res;
	if ((error = load_account(ctx, e->event->password_changed->name, &k, &old)) < 0)
		return error;
	acc = *old;
	acc.password_changed_at = e->time;
	acc.updated_seq = e->seq;
	error = vt_apply_put(ctx, VT_CF_ACCOUNT, &k, &acc.base);
	vanthu__v1__account__free_unpacked(old, NULL);
	return error;
}

int vt_account_apply_unit(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	const Vanthu__V1__OrgUnit *u = e->event->unit_defined->unit;
	vt_key k;
	int error;
	(void)res;
	if (!u || !name_ok(u->id))
		return vt_error_set(VT_EINVAL, "unit id '%s': 2-64 of a-z 0-9 . _ -, starting with a letter",
			u ? u->id : "");
	if (!*u->name)
		return vt_error_set(VT_EINVAL, "unit '%s' needs a name", u->id);
	if (*u->parent && strcmp(u->parent, u->id) == 0)
		return vt_error_set(VT_EINVAL, "unit '%s' cannot be its own parent", u->id);
	if ((error = vt_unit_exists(ctx, u->parent)) < 0)
		return error;
	key_unit(&k, ctx->origin, u->id);
	return vt_apply_put(ctx, VT_CF_ACCOUNT, &k, &u->base);
}

int vt_account_get(vt_store *store, const char *origin, const char *name, Vanthu__V1__Account **out)
{
	vt_key k;
	char *v = NULL;
	size_t n;
	int error;
	*out = NULL;
	key_account(&k, origin, name);
	if ((error = vt_key_check(&k)) < 0)
		return error;
	if ((error = vt_store_get(store, VT_CF_ACCOUNT, k.buf, k.len, &v, &n)) < 0)
		return error == VT_ENOTFOUND ? vt_error_set(VT_ENOTFOUND, "no account '%s'", name) : error;
	*out = vanthu__v1__account__unpack(NULL, n, (const uint8_t *)v);
	free(v);
	return *out ? 0 : vt_error_set(VT_ECORRUPT, "account '%s' does not decode", name);
}

VT_MSG_EACH_TYPED(each_account, vt_account_fn, Vanthu__V1__Account, vanthu__v1__account__descriptor)

int vt_account_list(vt_store *store, const char *origin, vt_account_fn fn, void *ctx)
{
	vt_key k;
	vt_key_init(&k, origin);
	vt_key_u8(&k, VT_ACCT_ACCOUNT);
	return each_account(store, VT_CF_ACCOUNT, &k, NULL, fn, ctx);
}

VT_MSG_EACH_TYPED(each_unit, vt_unit_fn, Vanthu__V1__OrgUnit, vanthu__v1__org_unit__descriptor)

int vt_unit_list(vt_store *store, const char *origin, vt_unit_fn fn, void *ctx)
{
	vt_key k;
	vt_key_init(&k, origin);
	vt_key_u8(&k, VT_ACCT_UNIT);
	return each_unit(store, VT_CF_ACCOUNT, &k, NULL, fn, ctx);
}

/* ---- passwords */

int vt_password_hash(char out[128], const char *password)
{
	size_t len = strlen(password);
	if (len < VT_PASSWORD_MIN)
		return vt_error_set(VT_EINVAL, "password too short: at least %d characters", VT_PASSWORD_MIN);
	if (len > VT_PASSWORD_MAX)
		return vt_error_set(VT_EINVAL, "password too long: at most %d characters", VT_PASSWORD_MAX);
	if (sodium_init() < 0)
		return vt_error_set(VT_ERROR, "libsodium failed to initialise");
	if (crypto_pwhash_str(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
		    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return vt_error_set(VT_ENOMEM, "password hashing ran out of memory");
	return 0;
}

int vt_password_verify(const char *hash, const char *password)
{
	if (crypto_pwhash_str_verify(hash, password, strlen(password)) != 0)
		return vt_error_set(VT_EAUTH, "wrong login name or password");
	return 0;
}

int vt_account_create(vt_log *log, const char *actor, const Vanthu__V1__Account *account,
	const char *password, const char *reason, vt_apply_result *res)
{
	Vanthu__V1__AccountCreated ac = VANTHU__V1__ACCOUNT_CREATED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	char hash[128];
	vt_key k;
	vt_log_extra x;
	int error;
	if ((error = vt_password_hash(hash, password)) < 0)
		return error;
	key_cred(&k, vt_log_origin(log), account->name);
	if ((error = vt_key_check(&k)) < 0)
		return error;
	x = (vt_log_extra){ VT_CF_META, k.buf, k.len, hash, strlen(hash) };
	ac.account = (Vanthu__V1__Account *)account;
	ev.kind_case = VANTHU__V1__EVENT__KIND_ACCOUNT_CREATED;
	ev.account_created = &ac;
	ev.reason = (char *)(reason ? reason : "");
	if ((error = vt_msg_text_check(&ev.base)) == 0)
		error = vt_log_append_ex(log, actor, &ev, &x, 1, res);
	sodium_memzero(hash, sizeof(hash));
	return error;
}

static int cred_get(vt_store *store, const char *origin, const char *name, char out[128])
{
	vt_key k;
	char *v = NULL;
	size_t n;
	int error;
	key_cred(&k, origin, name);
	if ((error = vt_store_get(store, VT_CF_META, k.buf, k.len, &v, &n)) < 0)
		return error == VT_ENOTFOUND ? vt_error_set(VT_EAUTH, "wrong login name or password") : error;
	if (n >= 128) {
		free(v);
		return vt_error_set(VT_ECORRUPT, "stored password hash of '%s' is malformed", name);
	}
	memcpy(out, v, n);
	out[n] = 0;
	free(v);
	return 0;
}

int vt_account_set_password(vt_log *log, const char *actor, const char *name,
	const char *old_password, const char *new_password, vt_apply_result *res)
{
	Vanthu__V1__PasswordChanged pc = VANTHU__V1__PASSWORD_CHANGED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	char hash[128], old[128];
	vt_key k;
	vt_log_extra x;
	int error;
	if (old_password) {
		if ((error = cred_get(vt_log_store(log), vt_log_origin(log), name, old)) < 0)
			return error;
		error = vt_password_verify(old, old_password);
		sodium_memzero(old, sizeof(old));
		if (error < 0)
			return vt_error_set(VT_EAUTH, "the current password is wrong");
		if (strcmp(old_password, new_password) == 0)
			return vt_error_set(VT_EINVAL, "the new password must differ from the current one");
	}
	if ((error = vt_password_hash(hash, new_password)) < 0)
		return error;
	key_cred(&k, vt_log_origin(log), name);
	x = (vt_log_extra){ VT_CF_META, k.buf, k.len, hash, strlen(hash) };
	pc.name = (char *)name;
	pc.by_admin = old_password == NULL;
	ev.kind_case = VANTHU__V1__EVENT__KIND_PASSWORD_CHANGED;
	ev.password_changed = &pc;
	error = vt_log_append_ex(log, actor, &ev, &x, 1, res);
	sodium_memzero(hash, sizeof(hash));
	return error;
}

/* ---- logins and sessions */

#define FAIL_SLOTS 1024

typedef struct fail_slot {
	char name[65];
	unsigned failures;
	int64_t locked_until; /* µs */
	int64_t last;         /* µs of the last failure */
} fail_slot;

struct vt_auth {
	vt_log *log;
	vt_auth_opts opts;
	pthread_mutex_t mu;
	fail_slot slots[FAIL_SLOTS];
	char dummy[128]; /* hash of a random password, for unknown names */
};

int vt_auth_new(vt_auth **out, vt_log *log, const vt_auth_opts *opts)
{
	vt_auth *a;
	*out = NULL;
	if (sodium_init() < 0)
		return vt_error_set(VT_ERROR, "libsodium failed to initialise");
	if (!(a = calloc(1, sizeof(*a))))
		return vt_error_set(VT_ENOMEM, "out of memory");
	a->log = log;
	if (opts)
		a->opts = *opts;
	if (!a->opts.session_ttl_s)
		a->opts.session_ttl_s = 8 * 3600;
	if (!a->opts.max_failures)
		a->opts.max_failures = 5;
	if (!a->opts.lockout_base_s)
		a->opts.lockout_base_s = 30;
	if (!a->opts.lockout_max_s)
		a->opts.lockout_max_s = 15 * 60;
	{
		char pw[33];
		uint8_t r[16];
		int error;
		randombytes_buf(r, sizeof(r));
		vt_hex(pw, r, sizeof(r));
		if ((error = vt_password_hash(a->dummy, pw)) < 0) {
			free(a);
			return error;
		}
	}
	pthread_mutex_init(&a->mu, NULL);
	*out = a;
	return 0;
}

void vt_auth_free(vt_auth *a)
{
	if (!a)
		return;
	pthread_mutex_destroy(&a->mu);
	free(a);
}

/* The slot of a login name (by hash; a full table reuses the oldest). */
static fail_slot *slot_of(vt_auth *a, const char *name, int create)
{
	uint8_t h[VT_HASH_LEN];
	size_t start, oldest = 0;
	vt_sha256(h, name, strlen(name));
	start = (size_t)vt_be32_get(h) % FAIL_SLOTS;
	for (size_t i = 0; i < 16; i++) {
		fail_slot *s = &a->slots[(start + i) % FAIL_SLOTS];
		if (strcmp(s->name, name) == 0)
			return s;
		if (!s->name[0] && create) {
			snprintf(s->name, sizeof(s->name), "%s", name);
			return s;
		}
		if (s->last < a->slots[(start + oldest) % FAIL_SLOTS].last)
			oldest = i;
	}
	if (!create)
		return NULL;
	fail_slot *s = &a->slots[(start + oldest) % FAIL_SLOTS];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	return s;
}

int vt_auth_login(vt_auth *a, const char *name, const char *password, const char *peer,
	char token[VT_TOKEN_HEX + 1], int64_t *expires)
{
	Vanthu__V1__Account *acc = NULL;
	Vanthu__V1__Session sess = VANTHU__V1__SESSION__INIT;
	char hash[128];
	uint8_t raw[VT_TOKEN_LEN], th[VT_HASH_LEN], buf[512];
	int64_t now = vt_clock_now(NULL);
	vt_batch *b = NULL;
	vt_key k;
	fail_slot *s;
	int error;

	if (strlen(name) > 64 || !*name)
		return vt_error_set(VT_EAUTH, "wrong login name or password");
	pthread_mutex_lock(&a->mu);
	s = slot_of(a, name, 0);
	if (s && s->locked_until > now) {
		int64_t left = (s->locked_until - now) / 1000000 + 1;
		pthread_mutex_unlock(&a->mu);
		return vt_error_set(VT_EBUSY, "too many failed logins for '%s': try again in %" PRId64 " s", name, left);
	}
	pthread_mutex_unlock(&a->mu);

	/* Same work (one Argon2id verify) whether or not the account exists. */
	error = cred_get(vt_log_store(a->log), vt_log_origin(a->log), name, hash);
	if (error == VT_EAUTH) {
		/* cannot match: a random password nobody knows */
		volatile int sink = crypto_pwhash_str_verify(a->dummy, password, strlen(password));
		(void)sink;
	} else if (error == 0) {
		error = vt_password_verify(hash, password);
	}
	sodium_memzero(hash, sizeof(hash));
	if (error == VT_EAUTH) {
		pthread_mutex_lock(&a->mu);
		s = slot_of(a, name, 1);
		s->failures++;
		s->last = now;
		if (s->failures >= a->opts.max_failures) {
			unsigned extra = s->failures - a->opts.max_failures;
			int64_t lock = a->opts.lockout_base_s << (extra > 10 ? 10 : extra);
			if (lock > a->opts.lockout_max_s)
				lock = a->opts.lockout_max_s;
			s->locked_until = now + lock * 1000000;
		}
		pthread_mutex_unlock(&a->mu);
		return vt_error_set(VT_EAUTH, "wrong login name or password");
	}
	if (error < 0)
		return error;
	if ((error = vt_account_get(vt_log_store(a->log), vt_log_origin(a->log), name, &acc)) < 0)
		goto out;
	if (acc->disabled) {
		error = vt_error_set(VT_EPERM, "account '%s' is disabled; ask the IT officer", name);
		goto out;
	}
	pthread_mutex_lock(&a->mu);
	if ((s = slot_of(a, name, 0)))
		memset(s, 0, sizeof(*s));
	pthread_mutex_unlock(&a->mu);

	randombytes_buf(raw, sizeof(raw));
	vt_hex(token, raw, sizeof(raw));
	vt_sha256(th, raw, sizeof(raw));
	sess.account = (char *)name;
	sess.created = now;
	sess.expires = now + a->opts.session_ttl_s * 1000000;
	sess.peer = (char *)(peer ? peer : "");
	if (vanthu__v1__session__get_packed_size(&sess) > sizeof(buf)) {
		error = vt_error_set(VT_EINVAL, "peer address too long");
		goto out;
	}
	key_session(&k, vt_log_origin(a->log), th);
	if ((error = vt_batch_new(&b, vt_log_store(a->log))) < 0)
		goto out;
	vt_batch_put(b, VT_CF_META, k.buf, k.len, buf, vanthu__v1__session__pack(&sess, buf));
	if ((error = vt_store_write(vt_log_store(a->log), b, 1)) < 0)
		goto out;
	if (expires)
		*expires = sess.expires;
out:
	sodium_memzero(raw, sizeof(raw));
	vt_batch_free(b);
	if (acc)
		vanthu__v1__account__free_unpacked(acc, NULL);
	if (error < 0)
		token[0] = 0;
	return error;
}

static int token_key(vt_auth *a, const char *token, vt_key *k)
{
	uint8_t raw[VT_TOKEN_LEN], th[VT_HASH_LEN];
	if (!token || strlen(token) != VT_TOKEN_HEX || vt_unhex(raw, sizeof(raw), token) < 0)
		return vt_error_set(VT_EAUTH, "not logged in (no valid session token); run vanthu login");
	vt_sha256(th, raw, sizeof(raw));
	key_session(k, vt_log_origin(a->log), th);
	return 0;
}

int vt_auth_check(vt_auth *a, const char *token, Vanthu__V1__Account **out)
{
	Vanthu__V1__Session *sess = NULL;
	Vanthu__V1__Account *acc = NULL;
	char *v = NULL;
	size_t n;
	vt_key k;
	int error;
	*out = NULL;
	if ((error = token_key(a, token, &k)) < 0)
		return error;
	if ((error = vt_store_get(vt_log_store(a->log), VT_CF_META, k.buf, k.len, &v, &n)) < 0)
		return error == VT_ENOTFOUND ? vt_error_set(VT_EAUTH, "session unknown or ended; log in again") : error;
	sess = vanthu__v1__session__unpack(NULL, n, (const uint8_t *)v);
	free(v);
	if (!sess)
		return vt_error_set(VT_ECORRUPT, "a session record does not decode");
	if (sess->expires <= vt_clock_now(NULL)) {
		error = vt_error_set(VT_EAUTH, "session expired; log in again");
		goto out;
	}
	if ((error = vt_account_get(vt_log_store(a->log), vt_log_origin(a->log), sess->account, &acc)) < 0)
		goto out;
	if (acc->disabled) {
		error = vt_error_set(VT_EAUTH, "account '%s' is disabled", acc->name);
		goto out;
	}
	if (sess->created < acc->password_changed_at) {
		error = vt_error_set(VT_EAUTH, "the password changed since this session began; log in again");
		goto out;
	}
	*out = acc;
	acc = NULL;
out:
	vanthu__v1__session__free_unpacked(sess, NULL);
	if (acc)
		vanthu__v1__account__free_unpacked(acc, NULL);
	return error;
}

int vt_auth_logout(vt_auth *a, const char *token)
{
	vt_batch *b = NULL;
	vt_key k;
	int error;
	if ((error = token_key(a, token, &k)) < 0)
		return error;
	if ((error = vt_batch_new(&b, vt_log_store(a->log))) < 0)
		return error;
	vt_batch_del(b, VT_CF_META, k.buf, k.len);
	error = vt_store_write(vt_log_store(a->log), b, 1);
	vt_batch_free(b);
	return error;
}

int vt_account_update(vt_log *log, const char *actor, const Vanthu__V1__AccountUpdated *update, const char *reason,
	vt_apply_result *res)
{
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	int error;
	if (!update)
		return vt_error_set(VT_EINVAL, "update account: no update given");
	ev.kind_case = VANTHU__V1__EVENT__KIND_ACCOUNT_UPDATED;
	ev.account_updated = (Vanthu__V1__AccountUpdated *)update;
	ev.reason = (char *)(reason ? reason : "");
	if ((error = vt_msg_text_check(&ev.base)) < 0)
		return error;
	return vt_log_append(log, actor, &ev, res);
}

int vt_unit_define(vt_log *log, const char *actor, const Vanthu__V1__OrgUnit *unit, const char *reason,
	vt_apply_result *res)
{
	Vanthu__V1__UnitDefined ud = VANTHU__V1__UNIT_DEFINED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	int error;
	if (!unit)
		return vt_error_set(VT_EINVAL, "define unit: no unit given");
	ud.unit = (Vanthu__V1__OrgUnit *)unit;
	ev.kind_case = VANTHU__V1__EVENT__KIND_UNIT_DEFINED;
	ev.unit_defined = &ud;
	ev.reason = (char *)(reason ? reason : "");
	if ((error = vt_msg_text_check(&ev.base)) < 0)
		return error;
	return vt_log_append(log, actor, &ev, res);
}
