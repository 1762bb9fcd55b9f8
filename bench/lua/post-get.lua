-- post-get.lua - GET /posts/{id} of a random seeded post on every
-- request (BENCH_ID_MIN..BENCH_ID_MAX), as the pgbench script of
-- scenarios/post-get.sh picks its :id; reported like report.lua.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")
dofile(here .. "requests.lua")

function request()
	return wrk.format("GET", bench_post_path())
end
