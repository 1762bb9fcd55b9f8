-- upload.lua - POST /uploads/image with the bearer token and BENCH_PNG
-- (100 KiB) as multipart/form-data, the same bytes every request;
-- reported like report.lua.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")
dofile(here .. "requests.lua")

wrk.method = "POST"
wrk.body, wrk.headers["Content-Type"] = bench_upload_body()
bench_auth(wrk.headers)
