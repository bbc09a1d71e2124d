-- Otto idempotency release, record format 1 (see claim.lua): deletes the record only while it is
-- IN_PROGRESS and held by this owner, so the next attempt runs again.
--
-- KEYS[1]  the record
-- ARGV[1]  owner
-- Returns  1 released | 0 absent, expired, completed or held by another owner
local record = redis.call('HMGET', KEYS[1], 'v', 'state', 'owner')
if record[1] and record[1] ~= '1' then
  return redis.error_reply('OTTO idempotency record has unknown format ' .. record[1] .. ' (written by a newer Otto?)')
end
if record[2] ~= 'IN_PROGRESS' or record[3] ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
