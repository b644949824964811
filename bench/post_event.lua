-- wrk script: POST /api/events with a 620-byte event, spread over 100 sessions.
-- Requests are formatted once in init(); request() only picks one, so wrk's own
-- Lua cost stays out of the daemon's figure.
local requests = {}
local n = 0
function init(args)
  local pad = string.rep("x", 431)
  for i = 0, 99 do
    local body = string.format('{"sessionId":"bench-%02d","type":"step:completed","timestamp":"2026-11-25T21:04:17.123Z","stepNumber":%d,"action":"code/backend","result":"%s"}', i, i % 50, pad)
    requests[i] = wrk.format("POST", "/api/events", {["Content-Type"] = "application/json"}, body)
  end
end
function request()
  n = (n + 1) % 100
  return requests[n]
end
