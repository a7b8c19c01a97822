--[[
  Extends a lock only while the caller still owns it, so a holder that already lost the lock
  cannot revive it over the new owner.

  KEYS[1] lock key

  ARGV[1] owner token
  ARGV[2] ttl in ms

  Returns 1 when extended, 0 when the lock is gone or held by another owner.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
