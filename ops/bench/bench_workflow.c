/* Benchmark: complete incoming workflows per second (Điều 8: received →
 * registered → submitted to the head → directed → assigned → resolved into
 * a dossier; six durable appends, each by the right person) through the
 * node's gRPC API with N concurrent clients, against the same six events
 * appended straight through vt_log_append (storage only) and synced 1 KiB
 * RocksDB puts (the floor), all measured in the same run. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <rocksdb/c.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <grpc/grpc.h>

#include "accounts/account.h"
#include "bench.h"
#include "bench_grpc.h"
#include "docs/doc.h"
#include "docs/dossier.h"
#include "store/log.h"
#include "node.h"
#include "rpc/rpc.h"
#include "svc/service.h"
#include "verify.h"
#include "docs/workflow.h"

/* The people of one workflow (tests/e2e/workflow.sh uses the same names). */
#define CLERK "van.thu"           /* văn thư: receives, registers, submits */
#define DIRECTOR "giam.doc"       /* lãnh đạo cơ quan: directs */
#define LEADER "truong.kh"        /* trưởng phòng Kế hoạch: assigns */
#define STAFF "cv.kh"             /* chuyên viên Kế hoạch: resolves */
#define PASSWORD "bench-workflow-password-1"
#define UNIT "ke-hoach"
#define BOOK "den"                /* sổ văn bản đến, made by vt_node_init */
#define TIMEOUT_MS (60 * 1000)
#define NODE_ID "000.00.00.H54"

enum { P_CLERK, P_DIRECTOR, P_LEADER, P_STAFF, P_N };

static const struct person {
	const char *name, *full_name, *position, *unit;
	Vanthu__V1__Role role;
} people[P_N] = {
	{ CLERK, "Nguyễn Thị Thư", "Văn thư", "", VANTHU__V1__ROLE__CLERK },
	{ DIRECTOR, "Trần Văn Giám", "Giám đốc", "", VANTHU__V1__ROLE__AGENCY_LEADER },
	{ LEADER, "Phạm Văn Trưởng", "Trưởng phòng", UNIT, VANTHU__V1__ROLE__UNIT_LEADER },
	{ STAFF, "Hoàng Thị Viên", "Chuyên viên", UNIT, VANTHU__V1__ROLE__STAFF },
};

/* The six steps: who makes each, and the state the document is in after. */
enum { S_CREATE, S_REGISTER, S_SUBMIT, S_DIRECT, S_ASSIGN, S_RESOLVE, S_N };

static const struct step {
	const char *name;
	int who;
	Vanthu__V1__WorkflowState after;
} steps[S_N] = {
	{ "create", P_CLERK, VANTHU__V1__WORKFLOW_STATE__IN_RECEIVED },
	{ "register", P_CLERK, VANTHU__V1__WORKFLOW_STATE__IN_REGISTERED },
	{ "submit", P_CLERK, VANTHU__V1__WORKFLOW_STATE__IN_SUBMITTED },
	{ "direct", P_DIRECTOR, VANTHU__V1__WORKFLOW_STATE__IN_DIRECTED },
	{ "assign", P_LEADER, VANTHU__V1__WORKFLOW_STATE__IN_ASSIGNED },
	{ "resolve", P_STAFF, VANTHU__V1__WORKFLOW_STATE__IN_RESOLVED },
};

/* Dossier modes: each thread resolves into one dossier of its own, which
 * grows by one document per workflow; or each workflow opens a new one. */
enum { D_THREAD, D_WORKFLOW, D_N };
static const char *const dname[D_N] = { "thread", "workflow" };

typedef struct opts {
	const char *dir;      /* NULL: a mkdtemp under /tmp */
	double seconds;       /* per measured run */
	int threads;          /* client threads, appenders, writers */
	int workers;          /* server handler threads */
	size_t meta_bytes;    /* packed DocumentCreated log entry */
	size_t put_bytes;     /* raw put value */
	int dossier[D_N];     /* which dossier modes run */
	int keep;
} opts;

#include "bench_cpu.h"

/* ---- the benchmark's state */

/* What a run leaves to check afterwards: every document it made, and the
 * per-thread dossiers with the number of documents each should hold. */
typedef struct made_dossier {
	char id[80];
	uint64_t docs;
} made_dossier;

typedef struct made {
	char **docs;
	size_t ndocs, cap;
	made_dossier *dossiers;
	size_t ndossiers;
} made;

typedef struct bench {
	opts o;
	char dir[256];
	char rawdir[4096];
	vt_node *node;          /* of the current run: behind the server, or appended to */
	vt_auth *auth;
	vt_api api;
	vt_rpc_server *srv;
	char target[64];
	char bearer[P_N][8 + VT_TOKEN_HEX + 1];
	char deadline[11];
	made made;              /* by the current run */

	/* one run */
	pthread_barrier_t start;
	atomic_int stop;
	vt_rpc_client *shared;  /* the API runs' client, shared by the threads */
	int run_id;             /* makes số, ký hiệu and dossier codes unique across runs */
	int dmode;              /* D_THREAD or D_WORKFLOW */
	bench_raw raw;             /* the synced-puts baseline */
} bench;

typedef struct worker {
	bench *b;
	pthread_t thread;
	int id;
	uint64_t ops;           /* complete workflows (raw: puts) */
	bench_samples lat_ms;   /* per workflow (raw: per put) */
	double step_ms[S_N];    /* summed per step */
	bench_doc_event ev;     /* the incoming document's metadata */
	char dossier[80];
	char dossier_title[160];
	char **docs;            /* ids of the documents made */
	size_t ndocs, cap;
	uint8_t *msg;           /* packed request */
	char *value;            /* raw put */
	uint64_t rng;
} worker;

typedef struct result {
	uint64_t ops;
	double seconds, per_s, p50_ms, p99_ms, max_ms;
	double step_ms[S_N];    /* mean per step */
	cpu_use cpu;
} result;

static void usage(const char *argv0)
{
	printf("usage: %s [--dir DIR] [--seconds S] [--threads N] [--workers W] [--meta-bytes B]\n"
	       "          [--put-bytes B] [--dossier thread|workflow|both] [--keep]\n"
	       "  --dir DIR          where the nodes and databases go (default: a mkdtemp under /tmp);\n"
	       "                     removed at the end unless --keep\n"
	       "  --seconds S        length of each measured run (default 5)\n"
	       "  --threads N        client threads, appenders, raw writers (default 32)\n"
	       "  --workers W        server handler threads (default 64, as vanthud)\n"
	       "  --meta-bytes B     the DocumentCreated log entry packs to about B (default 1024)\n"
	       "  --put-bytes B      value of each raw RocksDB put (default 1024)\n"
	       "  --dossier M        thread: each client thread resolves into one dossier of its own\n"
	       "                     (opened by its first resolve, growing by one document per\n"
	       "                     workflow); workflow: each workflow opens a new dossier; both\n"
	       "                     (default): a storage run and an API run of each\n"
	       "  --keep             leave the data in place\n", argv0);
}

static void parse(opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "seconds", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "workers", required_argument, NULL, 'w' },
		{ "meta-bytes", required_argument, NULL, 'm' },
		{ "put-bytes", required_argument, NULL, 'p' },
		{ "dossier", required_argument, NULL, 'D' },
		{ "keep", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, bad = 0;
	memset(o, 0, sizeof(*o));
	o->seconds = 5;
	o->threads = 32;
	o->workers = 64;
	o->meta_bytes = 1024;
	o->put_bytes = 1024;
	o->dossier[D_THREAD] = o->dossier[D_WORKFLOW] = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 's': o->seconds = atof(optarg); break;
		case 't': o->threads = atoi(optarg); break;
		case 'w': o->workers = atoi(optarg); break;
		case 'm': o->meta_bytes = (size_t)atol(optarg); break;
		case 'p': o->put_bytes = (size_t)atol(optarg); break;
		case 'D':
			o->dossier[D_THREAD] = strcmp(optarg, "thread") == 0 || strcmp(optarg, "both") == 0;
			o->dossier[D_WORKFLOW] = strcmp(optarg, "workflow") == 0 || strcmp(optarg, "both") == 0;
			bad |= !o->dossier[D_THREAD] && !o->dossier[D_WORKFLOW];
			break;
		case 'K': o->keep = 1; break;
		case 'h': usage(argv[0]); exit(0);
		default: usage(argv[0]); exit(2);
		}
	}
	if (bad || o->seconds <= 0 || o->seconds > 600 || o->threads < 1 || o->threads > 1024 || o->workers < 1 ||
	    o->workers > 4096 || o->meta_bytes < 300 || o->meta_bytes > 60000 || o->put_bytes < 16 ||
	    o->put_bytes > (1u << 20))
		bench_die("bad arguments: seconds in (0, 600], threads 1..1024, workers 1..4096, meta-bytes "
			"300..60000, put-bytes 16..1 MiB, dossier thread|workflow|both");
}


/* ---- the server: the node's services, plaintext on 127.0.0.1:0 */

static void server_up(bench *b)
{
	bench_api_up(&b->srv, &b->api, b->o.workers, NULL, NULL, NULL, b->target, sizeof(b->target));
}

static void client_new(bench *b, vt_rpc_client **out)
{
	bench_client_new(out, b->target, NULL);
}

/* ---- one workflow */

#define META_CAP (64 * 1024)

static void keep_doc(worker *w, const char *id)
{
	if (w->ndocs == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 256;
		if (!(w->docs = realloc(w->docs, w->cap * sizeof(*w->docs))))
			bench_die("out of memory");
	}
	if (!(w->docs[w->ndocs++] = strdup(id)))
		bench_die("out of memory");
}

/* New trích yếu and a số, ký hiệu no other document of this benchmark has
 * (registering an incoming document whose số, ký hiệu and issuing agency
 * repeat another's is refused as a duplicate). */
static void next_doc(worker *w)
{
	bench_doc_event_fill(&w->ev, w->ops);
	snprintf(w->ev.symbol, sizeof(w->ev.symbol), "%d.%d.%" PRIu64 "/QĐ-UBND", w->b->run_id, w->id, w->ops);
}

/* The dossier this workflow's resolve adds the document to; the title only
 * when the resolve opens it. */
static void next_dossier(worker *w, const char **title)
{
	bench *b = w->b;
	if (b->dmode == D_THREAD) {
		snprintf(w->dossier, sizeof(w->dossier), "HS-%d-%d", b->run_id, w->id);
		*title = w->ops == 0 ? w->dossier_title : "";
	} else {
		snprintf(w->dossier, sizeof(w->dossier), "HS-%d-%d-%" PRIu64, b->run_id, w->id, w->ops);
		*title = w->dossier_title;
	}
	snprintf(w->dossier_title, sizeof(w->dossier_title), "Hồ sơ kế hoạch năm 2025 (luồng %d)", w->id);
}

/* The DocumentAction of steps S_SUBMIT..S_RESOLVE (the same through the
 * API and straight into the log). */
static void action_of(worker *w, int step, const char *doc_id, Vanthu__V1__DocumentAction *a)
{
	const char *title = "";
	vanthu__v1__document_action__init(a);
	a->document_id = (char *)doc_id;
	switch (step) {
	case S_SUBMIT:
		a->action = VANTHU__V1__ACTION__SUBMIT_TO_HEAD;
		a->to = DIRECTOR;
		break;
	case S_DIRECT:
		a->action = VANTHU__V1__ACTION__DIRECT;
		a->lead_unit = UNIT;
		a->deadline = w->b->deadline;
		a->comment = "Giao Phòng Kế hoạch chủ trì, tham mưu trả lời";
		break;
	case S_ASSIGN:
		a->action = VANTHU__V1__ACTION__ASSIGN;
		a->to = STAFF;
		break;
	case S_RESOLVE:
		next_dossier(w, &title);
		a->action = VANTHU__V1__ACTION__RESOLVE;
		a->dossier = w->dossier;
		a->dossier_title = (char *)title;
		break;
	default:
		bench_die("no action for step %d", step);
	}
}

static void step_done(worker *w, int step, double *t)
{
	double now = bench_now();
	w->step_ms[step] += (now - *t) * 1e3;
	*t = now;
}

static void check_doc(const Vanthu__V1__DocumentResponse *r, int step)
{
	if (!r->document)
		bench_die("%s: no document in the response", steps[step].name);
	if (r->document->state != steps[step].after)
		bench_die("%s: document %s is %s, not %s", steps[step].name, r->document->id,
			vt_state_name(r->document->state), vt_state_name(steps[step].after));
	if (step == S_REGISTER && !r->document->number)
		bench_die("register: %s got no number", r->document->id);
	if (r->duplicate_of && *r->duplicate_of)
		bench_die("%s: %s registered as a duplicate of %s", steps[step].name, r->document->id, r->duplicate_of);
}

/* The six calls through the API, each as the right person. */
static void *api_worker(void *arg)
{
	worker *w = arg;
	bench *b = w->b;
	vt_rpc_md md[P_N][1];
	char id[VT_ID_MAX];
	for (int p = 0; p < P_N; p++) {
		md[p][0].key = "authorization";
		md[p][0].value = b->bearer[p];
	}
	bench_thread_name("bench-cli");
	pthread_barrier_wait(&b->start);
	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		Vanthu__V1__CreateDocumentRequest creq = VANTHU__V1__CREATE_DOCUMENT_REQUEST__INIT;
		Vanthu__V1__RegisterDocumentRequest rreq = VANTHU__V1__REGISTER_DOCUMENT_REQUEST__INIT;
		Vanthu__V1__DocumentResponse *r;
		double t0, t;
		next_doc(w);
		creq.meta = &w->ev.meta;
		t0 = t = bench_now();
		r = bench_call(b->shared, "/vanthu.v1.Documents/Create", md[P_CLERK], 1, &creq.base,
			&vanthu__v1__document_response__descriptor, w->msg, META_CAP, TIMEOUT_MS);
		step_done(w, S_CREATE, &t);
		check_doc(r, S_CREATE);
		snprintf(id, sizeof(id), "%s", r->document->id);
		vanthu__v1__document_response__free_unpacked(r, NULL);
		rreq.document_id = id;
		rreq.book = BOOK;
		r = bench_call(b->shared, "/vanthu.v1.Documents/RegisterDocument", md[P_CLERK], 1, &rreq.base,
			&vanthu__v1__document_response__descriptor, w->msg, META_CAP, TIMEOUT_MS);
		step_done(w, S_REGISTER, &t);
		check_doc(r, S_REGISTER);
		vanthu__v1__document_response__free_unpacked(r, NULL);
		for (int s = S_SUBMIT; s <= S_RESOLVE; s++) {
			Vanthu__V1__ActRequest areq = VANTHU__V1__ACT_REQUEST__INIT;
			Vanthu__V1__DocumentAction act;
			action_of(w, s, id, &act);
			areq.action = &act;
			t = bench_now();
			r = bench_call(b->shared, "/vanthu.v1.Documents/Act", md[steps[s].who], 1, &areq.base,
				&vanthu__v1__document_response__descriptor, w->msg, META_CAP, TIMEOUT_MS);
			step_done(w, s, &t);
			check_doc(r, s);
			vanthu__v1__document_response__free_unpacked(r, NULL);
		}
		bench_samples_add(&w->lat_ms, (t - t0) * 1e3);
		keep_doc(w, id);
		w->ops++;
	}
	return NULL;
}

/* The same six events straight into vt_log_append: no gRPC, no session
 * check, no role check, no document read before or after. */
static void *store_worker(void *arg)
{
	worker *w = arg;
	bench *b = w->b;
	vt_log *log = b->node->log;
	char id[VT_ID_MAX];
	bench_thread_name("bench-app");
	pthread_barrier_wait(&b->start);
	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		Vanthu__V1__DocumentRegistered dr = VANTHU__V1__DOCUMENT_REGISTERED__INIT;
		Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
		vt_apply_result res;
		double t0, t;
		next_doc(w);
		t0 = t = bench_now();
		bench_check(vt_log_append(log, CLERK, &w->ev.ev, &res), "append DocumentCreated");
		step_done(w, S_CREATE, &t);
		snprintf(id, sizeof(id), "%s", res.document_id);
		dr.document_id = id;
		dr.book = BOOK;
		ev.kind_case = VANTHU__V1__EVENT__KIND_DOCUMENT_REGISTERED;
		ev.document_registered = &dr;
		bench_check(vt_log_append(log, CLERK, &ev, &res), "append DocumentRegistered");
		step_done(w, S_REGISTER, &t);
		if (!res.number || res.duplicate_of[0])
			bench_die("DocumentRegistered: %s got no number, or is a duplicate", id);
		for (int s = S_SUBMIT; s <= S_RESOLVE; s++) {
			Vanthu__V1__DocumentAction act;
			Vanthu__V1__Event aev = VANTHU__V1__EVENT__INIT;
			action_of(w, s, id, &act);
			aev.kind_case = VANTHU__V1__EVENT__KIND_DOCUMENT_ACTION;
			aev.document_action = &act;
			aev.reason = act.comment;   /* as Documents.Act */
			t = bench_now();
			bench_check(vt_log_append(log, people[steps[s].who].name, &aev, &res), steps[s].name);
			step_done(w, s, &t);
		}
		bench_samples_add(&w->lat_ms, (t - t0) * 1e3);
		keep_doc(w, id);
		w->ops++;
	}
	return NULL;
}

/* The floor: synced puts of put_bytes into a RocksDB of our own, like
 * bench_log (one column family, LZ4, 16 MiB memtable, WAL synced). */
static void *raw_worker(void *arg)
{
	worker *w = arg;
	bench *b = w->b;
	uint8_t key[16];
	bench_thread_name("bench-raw");
	pthread_barrier_wait(&b->start);
	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		char *err = NULL;
		double t0;
		vt_be64_put(key, (uint64_t)w->id);
		vt_be64_put(key + 8, w->ops);
		bench_text(w->value, b->o.put_bytes, &w->rng);
		t0 = bench_now();
		rocksdb_put(b->raw.db, b->raw.wsync, (const char *)key, sizeof(key), w->value, b->o.put_bytes, &err);
		if (err)
			bench_die("rocksdb put: %s", err);
		bench_samples_add(&w->lat_ms, (bench_now() - t0) * 1e3);
		w->ops++;
	}
	return NULL;
}

/* ---- runs */


/* Keeps what a run made for the checks after it. */
static void collect(bench *b, worker *w, int nw)
{
	made *m = &b->made;
	for (int i = 0; i < nw; i++) {
		if (m->ndocs + w[i].ndocs > m->cap) {
			m->cap = (m->ndocs + w[i].ndocs) * 2;
			if (!(m->docs = realloc(m->docs, m->cap * sizeof(*m->docs))))
				bench_die("out of memory");
		}
		memcpy(m->docs + m->ndocs, w[i].docs, w[i].ndocs * sizeof(*w[i].docs));
		m->ndocs += w[i].ndocs;
		free(w[i].docs);
		w[i].docs = NULL;
		if (b->dmode == D_THREAD && w[i].ops) {
			if (!(m->dossiers = realloc(m->dossiers, (m->ndossiers + 1) * sizeof(*m->dossiers))))
				bench_die("out of memory");
			snprintf(m->dossiers[m->ndossiers].id, sizeof(m->dossiers[0].id), "%s", w[i].dossier);
			m->dossiers[m->ndossiers].docs = w[i].ops;
			m->ndossiers++;
		}
	}
}

/* Runs n threads of fn for --seconds: they start together, stop together
 * (each finishes the workflow it is in). keep: record the documents and
 * dossiers made, for the checks. */
static result run_threads(bench *b, int n, void *(*fn)(void *), int keep)
{
	worker *w = calloc((size_t)n, sizeof(*w));
	bench_samples all = { 0 };
	result res = { 0 };
	cpu_snap s0 = { 0 }, s1 = { 0 };
	double t0;

	if (!w)
		bench_die("out of memory");
	s0.t = bench_xmalloc(MAX_TASKS * sizeof(task_cpu));
	s1.t = bench_xmalloc(MAX_TASKS * sizeof(task_cpu));
	b->run_id++;
	atomic_store(&b->stop, 0);
	if (pthread_barrier_init(&b->start, NULL, (unsigned)n + 1) != 0)
		bench_die("barrier");
	for (int i = 0; i < n; i++) {
		w[i].b = b;
		w[i].id = i;
		w[i].rng = (uint64_t)b->run_id * 1000003 + (uint64_t)i * 7919 + 17;
		w[i].msg = bench_xmalloc(META_CAP);
		w[i].value = bench_xmalloc(b->o.put_bytes + 1);
		bench_doc_event_init(&w[i].ev, b->o.meta_bytes, NODE_ID, CLERK, (uint64_t)b->run_id * 4096 + i + 1);
		if (pthread_create(&w[i].thread, NULL, fn, &w[i]) != 0)
			bench_die("pthread_create");
	}
	pthread_barrier_wait(&b->start);
	t0 = bench_now();
	cpu_take(&s0);
	bench_sleep(b->o.seconds);
	cpu_take(&s1);
	atomic_store(&b->stop, 1);
	for (int i = 0; i < n; i++)
		pthread_join(w[i].thread, NULL);
	res.seconds = bench_now() - t0;
	res.cpu = cpu_diff(&s0, &s1);
	for (int i = 0; i < n; i++) {
		res.ops += w[i].ops;
		for (int s = 0; s < S_N; s++)
			res.step_ms[s] += w[i].step_ms[s];
		for (size_t j = 0; j < w[i].lat_ms.n; j++)
			bench_samples_add(&all, w[i].lat_ms.v[j]);
		free(w[i].lat_ms.v);
		free(w[i].msg);
		free(w[i].value);
		bench_doc_event_dispose(&w[i].ev);
	}
	if (keep)
		collect(b, w, n);
	pthread_barrier_destroy(&b->start);
	for (int s = 0; s < S_N; s++)
		res.step_ms[s] = res.ops ? res.step_ms[s] / (double)res.ops : 0;
	bench_sort(all.v, all.n);
	res.per_s = (double)res.ops / res.seconds;
	res.p50_ms = bench_pct(all.v, all.n, 50);
	res.p99_ms = bench_pct(all.v, all.n, 99);
	res.max_ms = all.n ? all.v[all.n - 1] : 0;
	free(all.v);
	free(s0.t);
	free(s1.t);
	free(w);
	return res;
}


/* CPU µs per operation across the whole process. */
static double cpu_per_op(const result *r)
{
	return r->per_s > 0 ? r->cpu.total * 1e6 / r->per_s : 0;
}

static void print_steps(const char *label, const result *r)
{
	double sum = 0;
	printf("steps %s (mean ms per call):", label);
	for (int s = 0; s < S_N; s++) {
		printf(" %s %.2f", steps[s].name, r->step_ms[s]);
		sum += r->step_ms[s];
	}
	printf(" (sum %.2f)\n", sum);
}

/* ---- setup */


/* A node with the unit ke-hoach (UnitDefined appended directly) and the
 * four people of the workflow (vt_account_create). */
static void node_new(const char *dir, vt_node **out)
{
	vt_node_init_opts init = { 0 };
	Vanthu__V1__OrgUnit u = VANTHU__V1__ORG_UNIT__INIT;
	Vanthu__V1__UnitDefined ud = VANTHU__V1__UNIT_DEFINED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	vt_apply_result res;
	vt_node *node;

	init.node_id = NODE_ID;
	init.role = "unit";
	init.agency_name = "Sở Kế hoạch và Đầu tư tỉnh Hà Giang";
	init.agency_code = NODE_ID;
	init.agency_symbol = "SKHĐT";
	bench_check(vt_node_init(dir, &init), "vt_node_init");
	bench_check(vt_node_open(&node, dir, NULL), "vt_node_open");
	u.id = UNIT;
	u.name = "Phòng Kế hoạch";
	ud.unit = &u;
	ev.kind_case = VANTHU__V1__EVENT__KIND_UNIT_DEFINED;
	ev.unit_defined = &ud;
	bench_check(vt_log_append(node->log, "bench", &ev, &res), "define the unit");
	for (int p = 0; p < P_N; p++) {
		Vanthu__V1__Account a = VANTHU__V1__ACCOUNT__INIT;
		Vanthu__V1__Role role = people[p].role;
		a.name = (char *)people[p].name;
		a.full_name = (char *)people[p].full_name;
		a.position = (char *)people[p].position;
		a.unit = (char *)people[p].unit;
		a.roles = &role;
		a.n_roles = 1;
		bench_check(vt_account_create(node->log, "bench", &a, PASSWORD, "benchmark account", NULL),
			people[p].name);
	}
	*out = node;
}

/* Auth.Login over the API for each person: the tokens the calls carry. */
static void login(bench *b)
{
	vt_rpc_client *c = NULL;
	client_new(b, &c);
	for (int p = 0; p < P_N; p++)
		bench_login(c, people[p].name, PASSWORD, people[p].role, b->bearer[p], sizeof(b->bearer[p]));
	vt_rpc_client_free(c);
}

/* Today + days in Vietnam, YYYY-MM-DD. */
static void date_vn(char out[11], int days)
{
	time_t t = time(NULL) + 7 * 3600 + (time_t)days * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* ---- checks, after each run (outside the timed part) */

typedef struct checks {
	uint64_t docs, bad, dossiers, dossier_bad, max_docs, max_bytes, entries, heads;
	int log_bad;
	double seconds;
} checks;

/* Every document the run made is resolved, into its dossier, with lead
 * unit ke-hoach; each per-thread dossier lists every document of its
 * thread; the node's log verifies (hash pass, no rebuild). */
static void check_run(bench *b, const char *label, checks *c)
{
	vt_node *node = b->node;
	made *m = &b->made;
	vt_verify_report vr;
	double t0 = bench_now();
	int err;
	for (size_t i = 0; i < m->ndocs; i++) {
		Vanthu__V1__Document *d = NULL;
		c->docs++;
		if (vt_doc_get(node->store, node->node_id, m->docs[i], &d) < 0) {
			if (c->bad++ < 5)
				printf("check %s: %s: %s\n", label, m->docs[i], vt_error_last());
		} else if (d->state != VANTHU__V1__WORKFLOW_STATE__IN_RESOLVED || !d->number || d->n_dossiers != 1 ||
			   strcmp(d->lead_unit, UNIT) != 0 || !d->resolved_at || *d->holder) {
			if (c->bad++ < 5)
				printf("check %s: %s is %s (number %u, dossiers %zu, lead unit '%s', holder '%s')\n", label,
					d->id, vt_state_name(d->state), d->number, d->n_dossiers, d->lead_unit, d->holder);
		}
		if (d)
			vanthu__v1__document__free_unpacked(d, NULL);
		free(m->docs[i]);
	}
	for (size_t i = 0; i < m->ndossiers; i++) {
		Vanthu__V1__Dossier *d = NULL;
		c->dossiers++;
		if (vt_dossier_get(node->store, node->node_id, m->dossiers[i].id, &d) < 0 ||
		    d->n_documents != m->dossiers[i].docs) {
			if (c->dossier_bad++ < 5)
				printf("check %s: dossier %s holds %zu documents, %" PRIu64 " made\n", label,
					m->dossiers[i].id, d ? d->n_documents : 0, m->dossiers[i].docs);
		} else {
			size_t bytes = vanthu__v1__dossier__get_packed_size(d);
			if (d->n_documents > c->max_docs)
				c->max_docs = d->n_documents;
			if (bytes > c->max_bytes)
				c->max_bytes = bytes;
		}
		if (d)
			vanthu__v1__dossier__free_unpacked(d, NULL);
	}
	free(m->docs);
	free(m->dossiers);
	memset(m, 0, sizeof(*m));
	if ((err = vt_log_verify(node->store, node->node_id, NULL, NULL, &vr)) < 0) {
		printf("check %s: vt_log_verify: %s (%s)\n", label, vt_error_last(), vt_error_name(err));
		c->log_bad++;
	} else {
		c->entries += vr.entries;
		c->heads += vr.tree_heads;
	}
	c->seconds += bench_now() - t0;
}

static void checks_report(bench_report *rep, const checks *c)
{
	printf("checks: %" PRIu64 " documents (%" PRIu64 " not resolved as expected), %" PRIu64 " per-thread dossiers (%"
	       PRIu64 " incomplete), logs of %" PRIu64 " entries and %" PRIu64 " signed tree heads verified (%d failed), "
	       "%.2f s\n", c->docs, c->bad, c->dossiers, c->dossier_bad, c->entries, c->heads, c->log_bad, c->seconds);
	bench_fig(rep, "checked_documents", (double)c->docs, "documents");
	bench_fig(rep, "checked_not_resolved", (double)c->bad, "documents");
	if (c->dossiers) {
		bench_fig(rep, "dossier_docs_max", (double)c->max_docs, "documents");
		bench_fig(rep, "dossier_bytes_max", (double)c->max_bytes, "bytes");
	}
	bench_fig(rep, "checked_log_entries", (double)c->entries, "entries");
	bench_goal(rep, "all_resolved", "every document of every run ended resolved, in one dossier, lead unit "
		UNIT, c->docs > 0 && c->bad == 0);
	if (c->dossiers)
		bench_goal(rep, "dossiers_complete", "each per-thread dossier lists every document of its thread",
			c->dossier_bad == 0);
	bench_goal(rep, "log_verifies", "vt_log_verify (no rebuild) passes on the node of every run", !c->log_bad);
}

/* ---- phases */

typedef struct found {
	result raw, store[D_N], api[D_N];
	double store_appends[D_N], api_appends[D_N];
	checks checks;
} found;

/* A fresh node for each run, so that runs do not inherit each other's
 * data (a node grown by an earlier run reads and compacts more). */
static void run_node(bench *b, const char *label)
{
	char path[4096];
	bench_subdir(path, sizeof(path), b->dir, label);
	node_new(path, &b->node);
}

static void run_node_done(bench *b, const char *label, checks *c)
{
	char path[4096];
	check_run(b, label, c);
	vt_node_free(b->node);
	b->node = NULL;
	snprintf(path, sizeof(path), "%s/%s", b->dir, label);
	if (!b->o.keep)
		bench_rm_rf(path);
}

/* One storage run and one API run in dossier mode d. */
static void phase_mode(bench *b, bench_report *rep, found *f, int d)
{
	char label[64];
	bench_log_mark mark = { 0 };
	uint64_t entries, commits;
	result *r;

	b->dmode = d;
	printf("== dossier per %s: %s\n", dname[d],
		d == D_THREAD ? "each thread resolves into its own dossier, which grows by one document per workflow" :
				"each workflow's resolve opens a new dossier");

	/* storage only */
	snprintf(label, sizeof(label), "store_%s", dname[d]);
	run_node(b, label);
	bench_log_since(b->node->log, &mark, NULL, NULL);
	r = &f->store[d];
	*r = run_threads(b, b->o.threads, store_worker, 1);
	bench_log_since(b->node->log, &mark, &entries, &commits);
	run_node_done(b, label, &f->checks);
	f->store_appends[d] = (double)entries / r->seconds;
	bench_fig(rep, label, r->per_s, "workflows/s");
	bench_fig2(rep, label, "_appends", f->store_appends[d], "appends/s");
	bench_fig2(rep, label, "_p50", r->p50_ms, "ms");
	bench_fig2(rep, label, "_p99", r->p99_ms, "ms");
	bench_fig2(rep, label, "_group", commits ? (double)entries / (double)commits : 0, "entries/commit");
	bench_fig2(rep, label, "_commits", (double)commits / r->seconds, "commits/s");
	bench_fig2(rep, label, "_cpu_per_wf", cpu_per_op(r), "us");
	bench_fig2(rep, label, "_ratio_raw", f->store_appends[d] / f->raw.per_s, "x");
	print_steps(label, r);
	cpu_print(label, "appender threads", &r->cpu);

	/* through the API: the four people log in, then the run */
	snprintf(label, sizeof(label), "api_%s", dname[d]);
	run_node(b, label);
	bench_check(vt_auth_new(&b->auth, b->node->log, NULL), "vt_auth_new");
	b->api.node = b->node;
	b->api.auth = b->auth;
	b->api.max_blob = (size_t)64 << 20;
	server_up(b);
	login(b);
	client_new(b, &b->shared);
	bench_log_since(b->node->log, &mark, NULL, NULL);
	r = &f->api[d];
	*r = run_threads(b, b->o.threads, api_worker, 1);
	bench_log_since(b->node->log, &mark, &entries, &commits);
	vt_rpc_client_free(b->shared);
	b->shared = NULL;
	bench_api_down(&b->srv, &b->api);
	vt_auth_free(b->auth);
	b->auth = NULL;
	run_node_done(b, label, &f->checks);
	f->api_appends[d] = (double)entries / r->seconds;
	bench_fig(rep, label, r->per_s, "workflows/s");
	bench_fig2(rep, label, "_actions", r->per_s * S_N, "actions/s");
	bench_fig2(rep, label, "_appends", f->api_appends[d], "appends/s");
	bench_fig2(rep, label, "_p50", r->p50_ms, "ms");
	bench_fig2(rep, label, "_p99", r->p99_ms, "ms");
	bench_fig2(rep, label, "_group", commits ? (double)entries / (double)commits : 0, "entries/commit");
	bench_fig2(rep, label, "_commits", (double)commits / r->seconds, "commits/s");
	bench_fig2(rep, label, "_cpu_per_wf", cpu_per_op(r), "us");
	bench_fig2(rep, label, "_cpu", r->cpu.total, "cores");
	bench_fig2(rep, label, "_ratio_store", r->per_s / f->store[d].per_s, "x");
	bench_fig2(rep, label, "_ratio_raw", f->api_appends[d] / f->raw.per_s, "x");
	print_steps(label, r);
	cpu_print(label, "client threads", &r->cpu);
	printf("ratio %s: API %.0f workflows/s = %.2f of storage-only %.0f workflows/s; appends/s: API %.0f, "
	       "storage %.0f, raw synced puts %.0f\n", dname[d], r->per_s, r->per_s / f->store[d].per_s,
		f->store[d].per_s, f->api_appends[d], f->store_appends[d], f->raw.per_s);
}

int main(int argc, char **argv)
{
	static bench b;
	static found f;
	bench_report rep = { .bench = "workflow" };
	char tmp[256], label[64];
	const char *dir;
	bench_doc_event probe;

	parse(&b.o, argc, argv);
	bench_thread_name("bench-main");
	if (b.o.dir) {
		dir = b.o.dir;
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			bench_die("mkdir %s: %s", dir, strerror(errno));
	} else {
		bench_tmpdir(tmp, sizeof(tmp), "bench_workflow");
		dir = tmp;
	}
	snprintf(b.dir, sizeof(b.dir), "%s", dir);
	bench_subdir(b.rawdir, sizeof(b.rawdir), dir, "raw");
	date_vn(b.deadline, 10);

	printf("bench_workflow: incoming workflows (create, register, submit-to-head, direct, assign, resolve: "
	       "6 durable appends) through the gRPC API against vt_log_append of the same events and synced "
	       "RocksDB puts\n");
	bench_print_machine();
	printf("dir: %s (a fresh node per run)\n", dir);
	printf("server: in this process on 127.0.0.1:0, plaintext (vt_api_register, %d workers); clients: %d "
	       "threads sharing one vt_rpc_client; people: %s (clerk), %s (agency leader), %s (unit leader, %s), "
	       "%s (staff, %s); deadline %s\n", b.o.workers, b.o.threads, CLERK, DIRECTOR, LEADER, UNIT, STAFF,
		UNIT, b.deadline);
	bench_param(&rep, "seconds", b.o.seconds);
	bench_param(&rep, "threads", b.o.threads);
	bench_param(&rep, "workers", b.o.workers);
	bench_param(&rep, "meta_bytes", (double)b.o.meta_bytes);
	bench_param(&rep, "put_bytes", (double)b.o.put_bytes);
	bench_param(&rep, "dossier_per_thread", b.o.dossier[D_THREAD]);
	bench_param(&rep, "dossier_per_workflow", b.o.dossier[D_WORKFLOW]);

	/* One gRPC library state for the whole run (servers and clients come
	 * and go between runs). */
	grpc_init();
	bench_doc_event_init(&probe, b.o.meta_bytes, NODE_ID, CLERK, 1);
	bench_fig(&rep, "create_entry_bytes", (double)bench_entry_size(&probe, NODE_ID, CLERK), "bytes");
	bench_doc_event_dispose(&probe);

	printf("== floor: synced %zu-byte RocksDB puts, %d writers\n", b.o.put_bytes, b.o.threads);
	bench_raw_open(&b.raw, b.rawdir, 0);
	f.raw = run_threads(&b, b.o.threads, raw_worker, 0);
	bench_raw_close(&b.raw);
	if (!b.o.keep)
		bench_rm_rf(b.rawdir);
	snprintf(label, sizeof(label), "raw_put_%dw", b.o.threads);
	bench_fig(&rep, label, f.raw.per_s, "puts/s");
	bench_fig2(&rep, label, "_p99", f.raw.p99_ms, "ms");
	cpu_print(label, "writer threads", &f.raw.cpu);

	for (int d = 0; d < D_N; d++)
		if (b.o.dossier[d])
			phase_mode(&b, &rep, &f, d);

	printf("== checks (after each run, outside the timed part)\n");
	checks_report(&rep, &f.checks);
	grpc_shutdown();
	if (!b.o.keep) {
		if (!b.o.dir)
			bench_rm_rf(tmp);
	} else {
		printf("kept: %s\n", dir);
	}
	bench_json(&rep);
	return 0;
}
