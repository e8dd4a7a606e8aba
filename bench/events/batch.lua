-- bench/events/batch.lua: wrk posts Segment /v1/batch bodies of 20 track
-- events over its keep-alive connections, every messageId unique (run
-- nonce, thread, request, index), with the write key as Basic auth.
--   wrk -t2 -c32 -d10s -s bench/events/batch.lua http://127.0.0.1:PORT -- NONCE WRITE_KEY
-- The same requests go to nginx (a static 200) and to sluice serve.
local threads = {}
local nthreads = 0

function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
  table.insert(threads, thread)
end

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function base64(s)
  return ((s:gsub(".", function(x)
    local r, b = "", x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return b64chars:sub(c + 1, c + 1)
  end) .. ({"", "==", "="})[#s % 3 + 1])
end

local nonce, n, headers = "x", 0, {}
local events = {"Page Viewed", "Project Created", "Invite Sent", "Feature Used", "Report Exported"}

function init(args)
  nonce = args[1] or tostring(os.time())
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Basic " .. base64((args[2] or "benchkey") .. ":")
  n = 0
  non2xx = 0
end

function request()
  n = n + 1
  local now = os.date("!%Y-%m-%dT%H:%M:%S.000Z")
  local parts = {}
  for i = 1, 20 do
    local k = (n * 20 + i) % 1000
    parts[i] = string.format(
      '{"type":"track","messageId":"%s-%d-%d-%d","userId":"user-%d","event":"%s",' ..
      '"properties":{"plan":"pro","seats":%d,"path":"/app/projects/%d"},' ..
      '"context":{"library":{"name":"wrk","version":"4.1"},"ip":"127.0.0.1"},"timestamp":"%s"}',
      nonce, tid, n, i, k, events[k % 5 + 1], k % 50, k, now)
  end
  local body = '{"batch":[' .. table.concat(parts, ",") .. '],"sentAt":"' .. now .. '"}'
  return wrk.format("POST", "/v1/batch", headers, body)
end

function response(status, hdrs, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("non2xx") or 0) end
  io.write(string.format("BENCH requests=%d non2xx=%d seconds=%.3f timeouts=%d errors=%d\n",
    summary.requests, bad, summary.duration / 1e6, summary.errors.timeout,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status))
end
