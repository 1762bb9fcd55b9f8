-- auth.lua - a GET with "Authorization: Bearer <BENCH_TOKEN>" (from the
-- environment), reported like report.lua.

local token = os.getenv("BENCH_TOKEN")
if not token or token == "" then
	error("auth.lua: BENCH_TOKEN is not set")
end
wrk.headers["Authorization"] = "Bearer " .. token

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")
