-- Otto idempotency claim, record format 1: one hash per key with the fields
--   v = '1', state = 'IN_PROGRESS' | 'COMPLETED', fp = fingerprint, owner = owner token,
--   lease = lease deadline (IN_PROGRESS), exp = expiry, resp = StoredResponseCodec bytes (COMPLETED);
-- times in milliseconds of Redis server time (TIME), so instance clocks never matter. The key itself
-- expires (PEXPIRE) with the record; the lease field, not the key's TTL, decides a takeover.
--
-- KEYS[1]  the record
-- ARGV[1]  fingerprint   ARGV[2] owner   ARGV[3] lease ms   ARGV[4] ttl ms (at least the lease)
-- Returns  {1} claimed | {2, fingerprint, lease remaining ms} in flight | {3, fingerprint, response} completed
local record = redis.call('HMGET', KEYS[1], 'v', 'state', 'fp', 'lease', 'resp')
if record[1] and record[1] ~= '1' then
  return redis.error_reply('OTTO idempotency record has unknown format ' .. record[1] .. ' (written by a newer Otto?)')
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if record[2] == 'COMPLETED' then
  return {3, record[3], record[5]}
end
if record[2] == 'IN_PROGRESS' then
  local remaining = tonumber(record[4]) - now
  if remaining > 0 then
    return {2, record[3], remaining}
  end
end
-- Absent, or a lease that has passed: (re)write the whole record for this owner.
local ttl = tonumber(ARGV[4])
redis.call('DEL', KEYS[1])
-- string.format: Lua would print a large number as 1.7e+12 and lose digits.
redis.call('HSET', KEYS[1], 'v', '1', 'state', 'IN_PROGRESS', 'fp', ARGV[1], 'owner', ARGV[2],
  'lease', string.format('%d', now + tonumber(ARGV[3])), 'exp', string.format('%d', now + ttl))
redis.call('PEXPIRE', KEYS[1], ttl)
return {1}
