/* Registers service: the register books and their entries (sổ đăng ký văn
 * bản đến, đi). Dossiers and the status report are svc_work.c's. */
#include "svc/svc_int.h"
#include "docs/register.h"
#include "store/error.h"

static int collect_book(void *payload, const Vanthu__V1__RegisterBook *b) { return vt_api_collect(payload, &b->base); }

int vt_api_reg_list_books(vt_api_req *r)
{
	Vanthu__V1__BookList out = VANTHU__V1__BOOK_LIST__INIT;
	vt_api_collect_list c = { .desc = &vanthu__v1__register_book__descriptor };
	int error = vt_register_books(r->api->node->store, r->api->node->node_id, collect_book, &c);
	if (!error) {
		out.books = (Vanthu__V1__RegisterBook **)c.items;
		out.n_books = c.n;
		error = vt_api_reply(r, &out.base);
	}
	vt_api_collect_free(&c);
	return error;
}

typedef struct limited {
	vt_api_collect_list c;
	size_t limit;
} limited;

static int collect_limited(void *payload, const Vanthu__V1__RegisterEntry *e)
{
	limited *l = payload;
	if (l->c.n >= l->limit)
		return 1; /* stop: enough */
	return vt_api_collect(&l->c, &e->base);
}

int vt_api_reg_list_entries(vt_api_req *r)
{
	const Vanthu__V1__ListEntriesRequest *in = (const void *)r->in;
	Vanthu__V1__EntryList out = VANTHU__V1__ENTRY_LIST__INIT;
	Vanthu__V1__RegisterBook *book = NULL;
	limited l = { .c = { .desc = &vanthu__v1__register_entry__descriptor } };
	int error;
	const char *origin;
	l.limit = in->limit ? in->limit : 1000;
	if (l.limit > 100000)
		l.limit = 100000;
	if ((error = vt_api_origin(r, in->origin, &origin)) < 0 ||
	    (error = vt_register_book_get(r->api->node->store, origin, in->book, &book)) < 0)
		return error;
	vanthu__v1__register_book__free_unpacked(book, NULL);
	error = vt_register_entries(r->api->node->store, origin, in->book, in->year, collect_limited, &l);
	if (error >= 0) {
		out.entries = (Vanthu__V1__RegisterEntry **)l.c.items;
		out.n_entries = l.c.n;
		error = vt_api_reply(r, &out.base);
	}
	vt_api_collect_free(&l.c);
	return error;
}
