-- Otto idempotency read, record format 1 (see claim.lua). A script, like every other operation, so the
-- format check lives in one language and each operation is one EVALSHA.
--
-- KEYS[1]  the record
-- Returns  {} absent or expired | {state, fingerprint, owner or nil, lease ms or nil, exp ms, response or nil}
local record = redis.call('HMGET', KEYS[1], 'v', 'state', 'fp', 'owner', 'lease', 'exp', 'resp')
if not record[2] then
  return {}
end
if record[1] ~= '1' then
  return redis.error_reply('OTTO idempotency record has unknown format ' .. tostring(record[1]) .. ' (written by a newer Otto?)')
end
return {record[2], record[3], record[4], record[5], record[6], record[7]}
