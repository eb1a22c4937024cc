/* Helpers the services share: whose records a request reads, copies of
 * listed messages, today's date in Vietnam. */
#include "svc/svc_int.h"
#include "accounts/enrolment.h"
#include "docs/date.h"
#include "store/error.h"

#include <stdlib.h>
#include <string.h>

int vt_api_origin(vt_api_req *r, const char *origin, const char **out)
{
	Vanthu__V1__EnrolledUnit *u = NULL;
	int error;
	*out = r->api->node->node_id;
	if (!origin || !*origin || strcmp(origin, r->api->node->node_id) == 0)
		return 0;
	if (!r->api->hub)
		return vt_error_set(VT_EINVAL, "%s holds no other node's records (ask the department hub)",
			r->api->node->node_id);
	if ((error = vt_api_require(r->caller, VT_ROLE(ARCHIVIST) | VT_ROLE(AUDITOR) | VT_ROLE(ADMIN),
		     "read units' replicas")) < 0)
		return error;
	if ((error = vt_enrolment_unit_get(r->api->node->store, r->api->node->node_id, origin, &u)) < 0)
		return error;
	vanthu__v1__enrolled_unit__free_unpacked(u, NULL);
	*out = origin;
	return 0;
}

/* Keeps a copy of each listed message (re-packed: the callback's copy is
 * freed by the iterator). */
int vt_api_collect(void *payload, const ProtobufCMessage *m)
{
	vt_api_collect_list *c = payload;
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf;
	void *copy;
	if (c->n == c->cap) {
		void **grown = realloc(c->items, (c->cap ? c->cap * 2 : 16) * sizeof(void *));
		if (!grown)
			return vt_error_set(VT_ENOMEM, "out of memory");
		c->items = grown;
		c->cap = c->cap ? c->cap * 2 : 16;
	}
	if (!(buf = malloc(n ? n : 1)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	protobuf_c_message_pack(m, buf);
	copy = protobuf_c_message_unpack(c->desc, NULL, n, buf);
	free(buf);
	if (!copy)
		return vt_error_set(VT_ENOMEM, "out of memory");
	c->items[c->n++] = copy;
	return 0;
}

void vt_api_collect_free(vt_api_collect_list *c)
{
	for (size_t i = 0; i < c->n; i++)
		protobuf_c_message_free_unpacked(c->items[i], NULL);
	free(c->items);
}

void vt_api_today(char out[11], int plus_days)
{
	vt_date_vn(out, vt_clock_now(NULL) + (int64_t)plus_days * 86400 * 1000000);
}
