-- POST /api/payments with one Idempotency-Key and one JSON body on every request (a static request):
-- the first request of the key executes, every later one is a replay of the stored response. The
-- benchmark warms up with the same key, so the measured run is replays only.
-- Argument (after `--`): the key's nonce (one per application instance).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")
done = common.done

function init(args)
  wrk.method = "POST"
  wrk.body = '{"amount":1250,"currency":"EUR"}'
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Idempotency-Key"] = "bench-replay-" .. (args[1] or "fixed")
end
