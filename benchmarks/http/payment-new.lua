-- POST /api/payments with the same JSON body and a new Idempotency-Key on every request (run nonce,
-- thread number, counter): every request is a first request, claimed and stored by the idempotency store.
-- Argument (after `--`): a run nonce, so that the warm-up and the measured run never share keys.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")
done = common.done
setup = common.setup

local BODY = '{"amount":1250,"currency":"EUR"}'
local prefix, counter, headers

function init(args)
  prefix = "bench-new-" .. (args[1] or tostring(os.time())) .. "-" .. tostring(tid or 0) .. "-"
  counter = 0
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  counter = counter + 1
  headers["Idempotency-Key"] = prefix .. counter
  return wrk.format("POST", nil, headers, BODY)
end
