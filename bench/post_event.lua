-- wrk script: POST /api/events with a 620-byte event, spread over 100 sessions.
local pad = string.rep("x", 460)
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"sessionId":"bench-%d","type":"step:completed","timestamp":"2026-11-25T21:04:17.123Z","stepNumber":%d,"action":"code/backend","result":"%s"}', n % 100, n % 50, pad)
  return wrk.format("POST", "/api/events", {["Content-Type"] = "application/json"}, body)
end
