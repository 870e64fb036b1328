-- wrk script: POST a form body to one of several paths in turn, and print the
-- latency percentiles as one JSON line at the end (wrk itself prints no p95).
-- Set by environment: BENCH_PATHS (comma-separated), BENCH_BODIES (a file of
-- bodies, one per line, matching the paths), BENCH_HEADERS (a file of "Name: value").
local paths, bodies, headers = {}, {}, {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "/", "[^,]+") do table.insert(paths, p) end
local bodies_file = os.getenv("BENCH_BODIES")
if bodies_file then for line in io.lines(bodies_file) do table.insert(bodies, line) end end
for line in io.lines(os.getenv("BENCH_HEADERS")) do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then headers[name] = value end
end
local method = os.getenv("BENCH_METHOD") or "POST"
local counter = 0

-- Each wrk thread starts at its own place in the list of paths, so two threads do
-- not save the same draft at the same moment (people save their own CPD, not each
-- other's): without it, every save waited for the other thread's save of that row.
local threads = 0
function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end

function init(args)
  counter = (thread_number or 0) * math.floor(#paths / 2)
end

request = function()
  counter = counter + 1
  local i = (counter % #paths) + 1
  return wrk.format(method, paths[i], headers, bodies[i])
end

done = function(summary, latency, requests)
  local statuses = summary.errors.status
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, statuses,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
