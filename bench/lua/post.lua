-- post.lua - POST a small, valid PostCreate body (see openapi.yaml) on
-- every request, and report like report.lua.  With BENCH_TOKEN in the
-- environment it is sent as "Authorization: Bearer <BENCH_TOKEN>".
--
-- wrk sends the same bytes each time; only the method, the body and the
-- headers change from a plain GET.

wrk.method = "POST"
wrk.body = '{"title":"Hello, world","content":"My first post.","published":true}'
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
	wrk.headers["Authorization"] = "Bearer " .. token
end

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")
