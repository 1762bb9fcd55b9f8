-- login.lua - POST /auth/login with the account bench/seed.py made
-- (BENCH_LOGIN_EMAIL and BENCH_LOGIN_PASSWORD from the environment),
-- reported like report.lua.  Every request verifies an Argon2id hash.

local email = os.getenv("BENCH_LOGIN_EMAIL")
local password = os.getenv("BENCH_LOGIN_PASSWORD")
if not email or not password then
	error("login.lua: BENCH_LOGIN_EMAIL and BENCH_LOGIN_PASSWORD must be set")
end
wrk.method = "POST"
-- seed.py's address and password need no JSON escaping.
wrk.body = string.format('{"email":"%s","password":"%s"}', email, password)
wrk.headers["Content-Type"] = "application/json"

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")
