-- GET /api/greeting with a different X-Api-Key on every request, so each request makes a real rate-limit
-- decision on a fresh key (the benchmark raises the policy's quota so that none is rejected).
-- Argument (after `--`): a run nonce, so that two runs never share keys.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")
done = common.done
setup = common.setup

local prefix, counter, headers

function init(args)
  prefix = "bench-" .. (args[1] or tostring(os.time())) .. "-" .. tostring(tid or 0) .. "-"
  counter = 0
  headers = {}
end

function request()
  counter = counter + 1
  headers["X-Api-Key"] = prefix .. counter
  return wrk.format("GET", nil, headers, nil)
end
