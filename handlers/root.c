/*
 * root.c - handlers of the "Root" tag: the API root and its documentation.
 */
#include "api.h"
#include "docs.h"

int
api_root_get(struct http_request *req)
{
	static const char	body[] =
	    "{\"message\":\"API is running\",\"docs\":\"/docs\"}";

	http_response_static(req, 200, "application/json", body,
	    sizeof(body) - 1);
	return 0;
}

int
api_docs_swagger_ui(struct http_request *req)
{
	return docs_swagger_ui(req);
}

int
api_docs_redoc(struct http_request *req)
{
	return docs_redoc(req);
}

int
api_openapi_json(struct http_request *req)
{
	return docs_openapi_json(req);
}

int
api_openapi_yaml(struct http_request *req)
{
	return docs_openapi_yaml(req);
}
