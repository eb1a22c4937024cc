/* CPU time of a benchmark process by thread class (drivers, server
 * workers, RocksDB, the rest) and of the whole machine, from /proc. */
#ifndef VT_BENCH_CPU_H
#define VT_BENCH_CPU_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- CPU time by thread class
 *
 * Client and server share the machine, so where the CPU goes says what
 * limits a run. Threads are told apart by name: the benchmark's own
 * ("bench-cli", "bench-app", "bench-raw"), the server's handler threads
 * (started while the main thread is named "vt-srv", whose name they
 * inherit), RocksDB's ("rocksdb:*"), and the rest (gRPC's own threads,
 * the main thread). gRPC polls on whichever thread waits in a completion
 * queue, so client threads also run some of the server's transport work
 * and the reverse: the split is by thread, not by side. */

enum { CLS_DRIVER, CLS_SERVER, CLS_ROCKS, CLS_OTHER, CLS_N };

#define MAX_TASKS 4096

typedef struct task_cpu {
	long tid;
	int cls;
	uint64_t ns;
} task_cpu;

typedef struct cpu_snap {
	task_cpu *t;
	size_t n;
	double process;   /* CPU seconds of the process, exited threads included */
	double wall;
	double busy, iowait; /* seconds of the whole machine (/proc/stat) */
} cpu_snap;

typedef struct cpu_use {  /* cores: CPU seconds per wall second */
	double total, cls[CLS_N], gone;
	double machine;   /* every process, so others' load shows */
	double iowait;
} cpu_use;

static double process_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int thread_class(const char *comm)
{
	if (strncmp(comm, "bench-", 6) == 0 && strcmp(comm, "bench-main") != 0)
		return CLS_DRIVER;
	if (strncmp(comm, "vt-srv", 6) == 0)
		return CLS_SERVER;
	if (strncmp(comm, "rocksdb", 7) == 0)
		return CLS_ROCKS;
	return CLS_OTHER;
}

/* Reads "/proc/self/task/<tid>/<file>" into buf; 0 if it went away. */
static int task_read(const char *tid, const char *file, char *buf, size_t cap)
{
	char path[300];
	size_t n;
	FILE *f;
	snprintf(path, sizeof(path), "/proc/self/task/%s/%s", tid, file);
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n > 0;
}

/* The "cpu" line of /proc/stat: seconds busy (user, nice, system, irq,
 * softirq, and steal: taken by the hypervisor) and in iowait, summed over
 * the CPUs. */
static void machine_cpu(double *busy, double *iowait)
{
	unsigned long long v[8] = { 0 };
	double tick = (double)sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");
	*busy = *iowait = 0;
	if (!f)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		    &v[6], &v[7]) == 8) {
		*busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / tick;
		*iowait = (double)v[4] / tick;
	}
	fclose(f);
}

static void cpu_take(cpu_snap *s)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	s->n = 0;
	s->wall = bench_now();
	if (!d)
		bench_die("opendir /proc/self/task: %s", strerror(errno));
	while ((e = readdir(d)) && s->n < MAX_TASKS) {
		char comm[64], stat[128];
		if (e->d_name[0] == '.')
			continue;
		/* schedstat: nanoseconds on a CPU, first field */
		if (!task_read(e->d_name, "comm", comm, sizeof(comm)) ||
		    !task_read(e->d_name, "schedstat", stat, sizeof(stat)))
			continue;
		comm[strcspn(comm, "\n")] = '\0';
		s->t[s->n].tid = atol(e->d_name);
		s->t[s->n].cls = thread_class(comm);
		s->t[s->n].ns = strtoull(stat, NULL, 10);
		s->n++;
	}
	closedir(d);
	s->process = process_cpu();
	machine_cpu(&s->busy, &s->iowait);
}

/* CPU used between two snapshots; threads gone by the second count as
 * "gone" (process time no live thread accounts for). */
static cpu_use cpu_diff(const cpu_snap *a, const cpu_snap *b)
{
	cpu_use u;
	double wall = b->wall - a->wall, sum = 0;
	memset(&u, 0, sizeof(u));
	if (wall <= 0)
		return u;
	for (size_t i = 0; i < b->n; i++) {
		uint64_t before = 0;
		double d;
		for (size_t j = 0; j < a->n; j++)
			if (a->t[j].tid == b->t[i].tid) {
				/* a smaller count: the id went to a new thread */
				before = a->t[j].ns <= b->t[i].ns ? a->t[j].ns : 0;
				break;
			}
		d = (double)(b->t[i].ns - before) / 1e9;
		u.cls[b->t[i].cls] += d / wall;
		sum += d;
	}
	u.total = (b->process - a->process) / wall;
	u.machine = (b->busy - a->busy) / wall;
	u.iowait = (b->iowait - a->iowait) / wall;
	u.gone = u.total - sum / wall;
	if (u.gone < 0)
		u.gone = 0;
	return u;
}

static void cpu_print(const char *label, const char *driver, const cpu_use *u)
{
	printf("cpu %s: machine busy %.2f of %ld cores (iowait %.2f); this process %.2f = %s %.2f"
	       " + server workers %.2f + gRPC/other threads %.2f + RocksDB %.2f + exited threads %.2f\n", label,
		u->machine, sysconf(_SC_NPROCESSORS_ONLN), u->iowait, u->total, driver, u->cls[CLS_DRIVER],
		u->cls[CLS_SERVER], u->cls[CLS_OTHER], u->cls[CLS_ROCKS], u->gone);
	fflush(stdout);
}

#endif
