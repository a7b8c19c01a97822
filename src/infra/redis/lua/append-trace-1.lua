--[[
  Appends one chain trace to an event's trace list, keeping only the newest entries and letting
  the whole list expire, so traces never grow without bound.

  KEYS[1] trace list key of the event

  ARGV[1] trace JSON
  ARGV[2] most traces kept per event
  ARGV[3] ttl in ms, refreshed by every append

  Returns the list length after trimming.
]]
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return redis.call('LLEN', KEYS[1])
