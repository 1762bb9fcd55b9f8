-- report.lua - wrk's results as one line that bench/lib.sh can read.
--
-- wrk's own summary rounds latencies and mixes units (us, ms, s); this
-- prints exact figures in microseconds on a line of its own:
--
--   BENCH requests=N duration_us=D p50_us=X p99_us=Y non2xx=N
--         errors=connect/read/write/timeout
--
-- done() runs once, after the run, so it costs the load generator
-- nothing while it measures.  Scripts that shape requests (post.lua)
-- load this file for the same line.

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
	    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d " ..
	    "non2xx=%d errors=%d/%d/%d/%d\n",
	    summary.requests, summary.duration,
	    latency:percentile(50), latency:percentile(99),
	    e.status, e.connect, e.read, e.write, e.timeout))
end
