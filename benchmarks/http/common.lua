-- Shared by the wrk scripts of benchmarks/run-http.sh: prints one machine-readable line after a run,
--   WRK_RESULT requests=N duration_us=N ... p50_us=N p95_us=N p99_us=N ...
-- because wrk's own --latency table has no 95th percentile. Latencies are in microseconds as wrk keeps
-- them. wrk counts every response with a status outside 200-399 in errors.status ("non-2xx").
local M = {}

function M.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d bytes=%d connect=%d read=%d write=%d status=%d timeout=%d"
      .. " mean_us=%.1f stdev_us=%.1f max_us=%d p50_us=%d p75_us=%d p90_us=%d p95_us=%d p99_us=%d p999_us=%d\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency:percentile(99.9)))
end

-- Numbers the threads in the main Lua state (setup) and hands each its number as the global `tid`,
-- so per-request keys (run nonce, thread, counter) are unique across threads.
local threads = 0
function M.setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

return M
