-- wrk script of the checkout row of bench/run.py: completes each ready cart exactly once, then stops its thread.
--
-- The cart ids come from the file named by $BENCH_CARTS, one line per wrk thread, ids separated by spaces
-- (setup() gets no script arguments). The publishable key and `Connection: close` come from wrk's -H.
-- Each thread prints "STOPPED" when every one of its carts was answered and stops (wrk itself runs on
-- until -d or SIGINT); done() prints "REPORT <sent> <answered> <answered 200> <p50> <p95> <p99>",
-- the latencies in microseconds.

local threads = {}
local lines = {}

function setup(thread)
  if #lines == 0 then
    for line in io.lines(os.getenv("BENCH_CARTS")) do
      local ids = {}
      for id in line:gmatch("%S+") do
        table.insert(ids, id)
      end
      table.insert(lines, ids)
    end
  end
  table.insert(threads, thread)
  thread:set("carts", lines[#threads])
  -- Before the run, wrk builds one request on its first thread to check it (script_verify_request in
  -- wrk.c); that request is never sent, so it must not use a cart.
  thread:set("checking", #threads == 1)
end

function init(args)
  requests = {}
  for i, id in ipairs(carts) do
    requests[i] = wrk.format("POST", "/store/carts/" .. id .. "/complete", nil, "")
  end
  sent, answered, ok = 0, 0, 0
end

function request()
  if checking then
    checking = false
    return requests[1]
  end
  if sent == #requests then
    return "" -- every cart is sent: this connection stays idle until the thread stops
  end
  sent = sent + 1
  return requests[sent]
end

function response(status, headers, body)
  answered = answered + 1
  if status == 200 then
    ok = ok + 1
  end
  if answered == #requests then
    io.write("STOPPED\n")
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local total = { sent = 0, answered = 0, ok = 0 }
  for _, thread in ipairs(threads) do
    for name, count in pairs(total) do
      total[name] = count + thread:get(name)
    end
  end
  io.write(string.format("REPORT %d %d %d %d %d %d\n", total.sent, total.answered, total.ok,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
