-- wrk script: send requests from a list in turn, and print the latency percentiles as
-- one JSON line at the end (wrk itself prints no p95).
-- Set by environment: BENCH_PATHS (comma-separated), BENCH_BODIES (a file of bodies,
-- one per line, matching the paths), BENCH_HEADERS (a file of "Name: value" sent with
-- every request), BENCH_AUTH (optional: a file of "cookie<TAB>CSRF token" lines matching
-- the paths, so each request is sent as its own person), BENCH_THREADS (wrk's -t).
local paths, bodies, headers, auth = {}, {}, {}, {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "/", "[^,]+") do table.insert(paths, p) end
local bodies_file = os.getenv("BENCH_BODIES")
if bodies_file then for line in io.lines(bodies_file) do table.insert(bodies, line) end end
for line in io.lines(os.getenv("BENCH_HEADERS")) do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then headers[name] = value end
end
local auth_file = os.getenv("BENCH_AUTH")
if auth_file then
  for line in io.lines(auth_file) do
    local cookie, token = line:match("^([^\t]*)\t(.*)$")
    table.insert(auth, {cookie, token})
  end
end
local method = os.getenv("BENCH_METHOD") or "POST"
local slices = tonumber(os.getenv("BENCH_THREADS") or "1")

-- Each wrk thread keeps to its own slice of the list (bench/load.py orders it so a
-- slice holds its own people's drafts): people save their own CPD, one page at a time,
-- not each other's. When the threads took turns over the whole list, a faster thread
-- caught up with the other and both saved the same drafts at once, so each save
-- waited for the other's lock (and the flat-out figure swung from run to run).
local threads = 0
function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end

local first, length, counter = 0, 1, 0
function init(args)
  length = math.floor(#paths / slices)
  first = (thread_number or 0) * length
  if length < 1 then first, length = 0, #paths end
end

request = function()
  local i = first + (counter % length) + 1
  counter = counter + 1
  if #auth > 0 then
    headers["Cookie"] = auth[i][1]
    headers["X-CSRFToken"] = auth[i][2]
  end
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
