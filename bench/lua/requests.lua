-- requests.lua - what the wrk scripts of bench/scenarios build requests
-- from, read from the environment that bench/lib.sh sets per server:
--
--   BENCH_TOKEN                 bearer token (seed.py's first user)
--   BENCH_ID_MIN, BENCH_ID_MAX  the seeded post ids (consecutive)
--   BENCH_PNG                   the 100 KiB PNG the uploads send
--
-- Loaded with dofile() after report.lua.

function bench_env(name)
	local v = os.getenv(name)
	if not v or v == "" then
		error(name .. " is not set (bench/lib.sh sets it)")
	end
	return v
end

-- headers plus "Authorization: Bearer <BENCH_TOKEN>".
function bench_auth(headers)
	headers = headers or {}
	headers["Authorization"] = "Bearer " .. bench_env("BENCH_TOKEN")
	return headers
end

-- The path of a random seeded post.
local id_min = tonumber(os.getenv("BENCH_ID_MIN") or "")
local id_max = tonumber(os.getenv("BENCH_ID_MAX") or "")
function bench_post_path()
	if not id_min or not id_max then
		error("BENCH_ID_MIN and BENCH_ID_MAX are not set (bench/lib.sh sets them)")
	end
	return "/posts/" .. math.random(id_min, id_max)
end

-- A PostCreate body (openapi.yaml), as lua/post.lua sends.
bench_post_body = '{"title":"Hello, world","content":"My first post.","published":true}'

-- The multipart/form-data body of POST /uploads/image (FileUpload in
-- openapi.yaml: one part named "file") holding BENCH_PNG, and its
-- Content-Type.
function bench_upload_body()
	local f = assert(io.open(bench_env("BENCH_PNG"), "rb"))
	local png = f:read("*a")
	f:close()
	local boundary = "bench-boundary-7d93c1a5f2"
	local body = "--" .. boundary .. "\r\n" ..
	    'Content-Disposition: form-data; name="file"; filename="bench.png"\r\n' ..
	    "Content-Type: image/png\r\n\r\n" .. png .. "\r\n" ..
	    "--" .. boundary .. "--\r\n"
	return body, "multipart/form-data; boundary=" .. boundary
end
