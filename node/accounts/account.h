/* Accounts, organisation units, passwords and sessions (Điều 14-15).
 * Account changes are log events; password hashes (Argon2id) and session
 * tokens (stored as SHA-256) are local secrets in the meta column family,
 * written in the same batch as the event that changes them. */
#ifndef VT_ACCOUNT_H
#define VT_ACCOUNT_H

#include <stdint.h>

#include "store/log.h"
#include "store/record.h"
#include "store/store.h"
#include "vanthu.pb-c.h"

#define VT_TOKEN_LEN 32                  /* random bytes of a session token */
#define VT_TOKEN_HEX (2 * VT_TOKEN_LEN)  /* as carried in metadata */
#define VT_PASSWORD_MIN 10
#define VT_PASSWORD_MAX 256

/* apply functions (the event registry, events.c, names them) */
int vt_account_apply_node(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);
int vt_account_apply_created(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);
int vt_account_apply_updated(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);
int vt_account_apply_password(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);
int vt_account_apply_unit(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);

int vt_account_get(vt_store *store, const char *origin, const char *name, Vanthu__V1__Account **out);
typedef int (*vt_account_fn)(void *ctx, const Vanthu__V1__Account *a);
int vt_account_list(vt_store *store, const char *origin, vt_account_fn fn, void *ctx);
typedef int (*vt_unit_fn)(void *ctx, const Vanthu__V1__OrgUnit *u);
int vt_unit_list(vt_store *store, const char *origin, vt_unit_fn fn, void *ctx);

int vt_account_has_role(const Vanthu__V1__Account *a, Vanthu__V1__Role role);
/* "clerk, staff": the roles whose bits (1 << role) are set. */
void vt_role_list(char *out, size_t cap, uint32_t roles);

/* Inside an apply (read-your-writes): an account, or VT_ENOTFOUND; whether
 * a unit exists (0, or VT_EINVAL naming it; "" counts as none needed). */
/* The NodeInitialized record of ctx->origin (name, key, agency), in an apply. */
int vt_apply_node(vt_apply_ctx *ctx, Vanthu__V1__NodeInitialized **out);
int vt_account_load(vt_apply_ctx *ctx, const char *name, Vanthu__V1__Account **out);
int vt_unit_exists(vt_apply_ctx *ctx, const char *id);
const char *vt_role_name(Vanthu__V1__Role role);
int vt_role_parse(const char *name, Vanthu__V1__Role *out);

/* 1 if the account has a password here (a restored node's accounts have
 * none: hashes never enter the log), 0 if not. */
int vt_account_has_password(vt_store *store, const char *origin, const char *name);

/* Creates an account with its first password (one log event). */
int vt_account_create(vt_log *log, const char *actor, const Vanthu__V1__Account *account,
	const char *password, const char *reason, vt_apply_result *res);
/* Sets a password: by the owner (old_password checked) or by an admin
 * (old_password NULL). Every session of the account ends. */
/* AccountUpdated: the fields flagged in update change. */
int vt_account_update(vt_log *log, const char *actor, const Vanthu__V1__AccountUpdated *update, const char *reason,
	vt_apply_result *res);
/* UnitDefined: an organisation unit (phòng, đơn vị) defined or changed. */
int vt_unit_define(vt_log *log, const char *actor, const Vanthu__V1__OrgUnit *unit, const char *reason,
	vt_apply_result *res);
int vt_account_set_password(vt_log *log, const char *actor, const char *name,
	const char *old_password, const char *new_password, vt_apply_result *res);

/* Logins. An auth object keeps failed-login counters (back-off and
 * lockout) in memory; sessions are stored. */
typedef struct vt_auth vt_auth;
typedef struct vt_auth_opts {
	int64_t session_ttl_s;     /* default 8 h */
	unsigned max_failures;     /* failures before lockout; default 5 */
	int64_t lockout_base_s;    /* first lockout; doubles, default 30 s */
	int64_t lockout_max_s;     /* cap, default 15 min */
} vt_auth_opts;

int vt_auth_new(vt_auth **out, vt_log *log, const vt_auth_opts *opts);
void vt_auth_free(vt_auth *auth);

/* Checks name/password; on success stores a session and writes its token
 * (hex, NUL-terminated) to token. VT_EAUTH for a wrong name or password
 * (same message for both), VT_EPERM for a disabled account, VT_EBUSY while
 * locked out (message says for how long). */
int vt_auth_login(vt_auth *auth, const char *name, const char *password, const char *peer,
	char token[VT_TOKEN_HEX + 1], int64_t *expires);
/* Resolves a token to its account (caller frees *out). VT_EAUTH when the
 * token is unknown, expired, or older than the last password change, or the
 * account is disabled. */
int vt_auth_check(vt_auth *auth, const char *token, Vanthu__V1__Account **out);
int vt_auth_logout(vt_auth *auth, const char *token);

/* Argon2id (libsodium, interactive limits). */
int vt_password_hash(char out[128], const char *password);
int vt_password_verify(const char *hash, const char *password);

#endif
