--[[
  Writes an instance's prepared data, refusing a write fenced with a token older than the newest
  one already accepted for the instance (a stale lock holder's write).

  KEYS[1] prepared data key  value = JSON, expires with the data (PX)
  KEYS[2] fence key          highest fencing token accepted; same hash tag, kept far longer than
                             the data so that a stale holder stays refused after the data expired

  ARGV[1] data JSON
  ARGV[2] data ttl in ms
  ARGV[3] fencing token, or '' for an unfenced write (not checked)
  ARGV[4] fence retention in ms

  Returns {status, current fence}: status 0 = written, -1 = stale fence, nothing written.
]]
if ARGV[3] ~= '' then
  local fence = tonumber(ARGV[3])
  local current = tonumber(redis.call('GET', KEYS[2]) or '0')
  if fence < current then
    return {-1, current}
  end
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {0, 0}
