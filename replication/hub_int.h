/* What the files of the hub share (hub.c: lifecycle, enrolment, status;
 * hub_stream.c: the stream session with one unit; hub_fetch.c: Fetch for
 * restore). Not for use outside replication/hub*.c. */
#ifndef VT_HUB_INT_H
#define VT_HUB_INT_H

#include <pthread.h>
#include <stdint.h>

#include "replication/repl.h"
#include "replication/replica.h"

/* One enrolled unit as this run of the hub knows it (under the hub's mu). */
typedef struct vt_hub_slot {
	char id[VT_NODE_ID_MAX + 1];
	vt_replica *rep;
	int busy;             /* a stream is open */
	int64_t last_contact;
	uint64_t unit_size;   /* the size the unit last presented */
	uint64_t delivered;   /* exchange messages delivered this run */
	char last_error[256];
	struct vt_hub_slot *next;
} vt_hub_slot;

struct vt_repl_hub {
	vt_node *node;
	pthread_mutex_t mu;
	pthread_cond_t grew;  /* some replica grew (exchange deliveries) */
	uint64_t gen;         /* counts growths, under mu */
	int stopping;
	vt_hub_slot *units;
	pthread_t office;     /* records what units send to the hub's own office */
	int office_started;
	uint64_t received;
};

/* The slot of unit id, made if new; NULL when out of memory. Call under h->mu. */
vt_hub_slot *vt_hub_slot_get(vt_repl_hub *h, const char *id);

/* A replica grew: wakes the deliverers and the office. */
void vt_hub_grew(vt_repl_hub *h);

/* The handlers of Replication/Stream (hub_stream.c) and Replication/Fetch
 * (hub_fetch.c); payload is the vt_repl_hub. */
int vt_hub_stream_handler(vt_rpc_call *call, void *payload);
int vt_hub_fetch_handler(vt_rpc_call *call, void *payload);

#endif
