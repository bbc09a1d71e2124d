-- Otto idempotency completion, record format 1 (see claim.lua): fenced on the owner token and IN_PROGRESS.
--
-- KEYS[1]  the record
-- ARGV[1]  owner   ARGV[2] response (StoredResponseCodec bytes)   ARGV[3] ttl ms
-- Returns  1 completed | 0 absent, expired, completed or held by another owner
local record = redis.call('HMGET', KEYS[1], 'v', 'state', 'owner')
if record[1] and record[1] ~= '1' then
  return redis.error_reply('OTTO idempotency record has unknown format ' .. record[1] .. ' (written by a newer Otto?)')
end
if record[2] ~= 'IN_PROGRESS' or record[3] ~= ARGV[1] then
  return 0
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'state', 'COMPLETED', 'resp', ARGV[2], 'exp', string.format('%d', now + ttl))
redis.call('HDEL', KEYS[1], 'lease')
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
