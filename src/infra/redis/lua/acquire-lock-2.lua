--[[
  Takes a per-instance lock if it is free and hands out the next fencing token.

  KEYS[1] lock key           value = owner token, expires with the lock (PX)
  KEYS[2] fence counter key  same hash tag; never expires, so tokens keep rising across every
                             acquisition even after the lock itself is long gone

  ARGV[1] owner token
  ARGV[2] ttl in ms

  Returns the new fencing token, or nil when another owner holds the lock.
]]
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return nil
