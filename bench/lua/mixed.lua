-- mixed.lua - the mixed run, drawn per request: 80% reads (of those, 3
-- in 4 GET /posts/{random seeded id}, 1 in 4 GET /posts?page=N&per_page=20
-- with N random in 1..BENCH_PAGES), 15% writes (POST /posts), 5% uploads
-- (POST /uploads/image, BENCH_PNG); all with the bearer token.  Counts
-- the responses by status (the statuses= field of report.lua's line).

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")
dofile(here .. "requests.lua")

local pages = tonumber(os.getenv("BENCH_PAGES") or "") or 50
local get_headers = bench_auth()
local write, upload

function bench_init(args)
	write = wrk.format("POST", "/posts",
	    bench_auth({ ["Content-Type"] = "application/json" }), bench_post_body)
	local body, ctype = bench_upload_body()
	upload = wrk.format("POST", "/uploads/image",
	    bench_auth({ ["Content-Type"] = ctype }), body)
end

function request()
	local r = math.random(100)
	if r <= 60 then
		return wrk.format("GET", bench_post_path(), get_headers)
	elseif r <= 80 then
		return wrk.format("GET", "/posts?page=" .. math.random(pages) ..
		    "&per_page=20", get_headers)
	elseif r <= 95 then
		return write
	end
	return upload
end

function response(status, headers, body)
	bench_count(status)
end
