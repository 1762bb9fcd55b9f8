-- report.lua - wrk's results as one line that bench/lib.sh can read.
--
-- wrk's own summary rounds latencies and mixes units (us, ms, s); this
-- prints exact figures in microseconds on a line of its own:
--
--   BENCH requests=N duration_us=D p50_us=X p99_us=Y non2xx=N
--         errors=connect/read/write/timeout [statuses=200:N,201:M]
--
-- done() runs once, after the run, so it costs the load generator
-- nothing while it measures.  Scripts that shape requests (post.lua)
-- load this file for the same line.  A script that also wants the
-- responses counted by status (mixed.lua) defines response() with
-- bench_count(status): the counts are per thread, summed here.

local threads = {}

function setup(thread)
	table.insert(threads, thread)
	thread:set("bench_thread", #threads)
end

-- A different random sequence per thread and run (random ids); then
-- the script's own bench_init(args), if it has one.
function init(args)
	math.randomseed(os.time() * 1000 + (bench_thread or 0))
	if bench_init then bench_init(args) end
end

bench_statuses = {}
function bench_count(status)
	bench_statuses[status] = (bench_statuses[status] or 0) + 1
end

function done(summary, latency, requests)
	local e = summary.errors
	local counts, keys, parts = {}, {}, {}
	for _, thread in ipairs(threads) do
		for status, n in pairs(thread:get("bench_statuses") or {}) do
			if not counts[status] then table.insert(keys, status) end
			counts[status] = (counts[status] or 0) + n
		end
	end
	table.sort(keys)
	for _, status in ipairs(keys) do
		table.insert(parts, status .. ":" .. counts[status])
	end
	io.write(string.format(
	    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d " ..
	    "non2xx=%d errors=%d/%d/%d/%d%s\n",
	    summary.requests, summary.duration,
	    latency:percentile(50), latency:percentile(99),
	    e.status, e.connect, e.read, e.write, e.timeout,
	    #parts > 0 and (" statuses=" .. table.concat(parts, ",")) or ""))
end
