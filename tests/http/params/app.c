/*
 * app.c - the handlers of the parameter test server
 * (tests/http/test_params.py; the module is this, tests/http/stubapp.c
 * and the code generated from tests/http/params/openapi.yaml): two
 * handlers echo what the generated glue parsed; the other operations
 * are the generated 501 stubs.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "api.h"

int
api_listCharges(struct request *req, const struct api_listCharges_in *in)
{
	struct api_Echo	e;

	memset(&e, 0, sizeof(e));
	if (in->query.has_created && in->query.created.kind ==
	    api_listCharges_created_v0) {
		e.has_created_gt = in->query.created.v0->has_gt;
		e.created_gt = in->query.created.v0->gt;
		e.has_created_lte = in->query.created.v0->has_lte;
		e.created_lte = in->query.created.v0->lte;
	} else if (in->query.has_created) {
		e.has_created = true;
		e.created = in->query.created.v1;
	}
	if (in->query.has_expand) {
		e.has_expand = true;
		e.expand.items = in->query.expand.items;
		e.expand.n = in->query.expand.n;
	}
	if (in->query.has_ids) {
		e.has_ids = true;
		e.ids.items = in->query.ids.items;
		e.ids.n = in->query.ids.n;
	}
	e.has_limit = true;
	e.limit = in->query.limit;
	if (in->query.has_point) {
		e.has_x = in->query.point.has_x;
		e.x = in->query.point.x;
		e.has_y = in->query.point.has_y;
		e.y = in->query.point.y;
	}
	if (in->query.has_filter) {
		e.has_field = true;
		e.field = in->query.filter.field;
		e.has_nvalues = true;
		e.nvalues = (int64_t)in->query.filter.values.n;
	}
	if (in->header.has_X_Range) {
		e.has_from = in->header.X_Range.has_from;
		e.from = in->header.X_Range.from;
		e.has_to = in->header.X_Range.has_to;
		e.to = in->header.X_Range.to;
	}
	return api_listCharges_reply_200(req, &e);
}

int
api_search(struct request *req, const struct api_search_in *in)
{
	struct api_Echo	e;

	memset(&e, 0, sizeof(e));
	if (in->query.has_metadata) {
		e.has_metadata = true;
		e.metadata.additional.keys = in->query.metadata.additional.keys;
		e.metadata.additional.values =
		    in->query.metadata.additional.values;
		e.metadata.additional.n = in->query.metadata.additional.n;
	}
	return api_search_reply_200(req, &e);
}
