-- wrk script: like post_event.lua, but 8 requests per write (HTTP/1.1 pipelining),
-- to show the daemon's own cost once the per-request loopback syscalls are shared.
local batches = {}
local n = 0
function init(args)
  local pad = string.rep("x", 431)
  for b = 0, 9 do
    local reqs = {}
    for k = 0, 7 do
      local i = b * 8 + k
      local body = string.format('{"sessionId":"bench-%02d","type":"step:completed","timestamp":"2026-11-25T21:04:17.123Z","stepNumber":%d,"action":"code/backend","result":"%s"}', i, i % 50, pad)
      reqs[#reqs + 1] = wrk.format("POST", "/api/events", {["Content-Type"] = "application/json"}, body)
    end
    batches[b] = table.concat(reqs)
  end
end
function request()
  n = (n + 1) % 10
  return batches[n]
end
