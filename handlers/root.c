/*
 * root.c - handlers of the "Root" tag: the API root and its documentation.
 */
#include "api.h"
#include "docs.h"

int
api_root_get(struct request *req, const struct api_root_get_in *in)
{
	static const struct api_RootResponse	body = {
		.message = "API is running",
		.docs = "/docs",
	};

	return api_root_get_reply_200(req, &body);
}

int
api_docs_swagger_ui(struct request *req, const struct api_docs_swagger_ui_in *in)
{
	return docs_swagger_ui(req);
}

int
api_docs_redoc(struct request *req, const struct api_docs_redoc_in *in)
{
	return docs_redoc(req);
}

int
api_openapi_json(struct request *req, const struct api_openapi_json_in *in)
{
	return docs_openapi_json(req);
}

int
api_openapi_yaml(struct request *req, const struct api_openapi_yaml_in *in)
{
	return docs_openapi_yaml(req);
}
