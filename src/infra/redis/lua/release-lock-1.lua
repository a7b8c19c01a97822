--[[
  Compare-and-delete: releases a lock only while the caller still owns it, so a holder whose lock
  expired cannot delete the lock a new owner has taken since.

  KEYS[1] lock key

  ARGV[1] owner token

  Returns 1 when released, 0 when the lock is gone or held by another owner.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
