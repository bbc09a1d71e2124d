-- Otto GCRA, stored format 1: each key holds one limit's theoretical arrival time (TAT) as an integer
-- number of microseconds of Redis server time, and expires when that limit is full again.
-- Mirrors dev.otto.ratelimit.local.Gcra#evaluate; keep the two in step.
--
-- KEYS[i]            one key per limit, all sharing one hash tag (one Redis Cluster slot)
-- ARGV[1]            permits asked for
-- ARGV[2i], ARGV[2i+1]  emission interval T and tolerance tau of limit i, in microseconds
-- Returns            {allowed 1|0, 1-based index of the deciding limit, remaining, resetAfter us, retryAfter us}
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local permits = tonumber(ARGV[1])
local count = #KEYS
local newTats = {}
local rejected, rejectedRetry, rejectedRemaining, rejectedReset = 0, -1, 0, 0
local best, bestRemaining, bestReset = 0, 0, 0
for i = 1, count do
  local interval = tonumber(ARGV[2 * i])
  local tolerance = tonumber(ARGV[2 * i + 1])
  local tat = now
  local stored = redis.call('GET', KEYS[i])
  if stored then
    tat = math.max(tonumber(stored), now)
  end
  local newTat = tat + permits * interval
  local ahead = newTat - now
  if ahead > tolerance then
    local retry = ahead - tolerance
    if retry > rejectedRetry then
      rejected = i
      rejectedRetry = retry
      rejectedRemaining = math.floor((tolerance - (tat - now)) / interval)
      rejectedReset = tat - now
    end
  else
    newTats[i] = newTat
    local remaining = math.floor((tolerance - ahead) / interval)
    if best == 0 or remaining < bestRemaining then
      best = i
      bestRemaining = remaining
      bestReset = ahead
    end
  end
end
if rejected > 0 then
  return {0, rejected, math.max(0, rejectedRemaining), rejectedReset, rejectedRetry}
end
for i = 1, count do
  -- string.format: Lua would print a large number as 1.7e+15 and lose digits.
  redis.call('SET', KEYS[i], string.format('%d', newTats[i]),
    'PX', string.format('%d', math.ceil((newTats[i] - now) / 1000)))
end
return {1, best, bestRemaining, bestReset, 0}
