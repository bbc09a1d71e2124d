-- The request given on wrk's command line, unchanged (a static request: wrk's fast path), plus the
-- WRK_RESULT line. Used for GET /api/payments/count.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")
done = common.done
