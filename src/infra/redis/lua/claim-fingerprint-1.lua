--[[
  Records an event's fingerprint unless one is recorded already, and answers the one that stands.
  (SET NX GET would do it in one command, but only from Redis 7.0; this runs on 6.x too.)

  KEYS[1] fingerprint key  `event:{eventId}`, expires after the retention

  ARGV[1] fingerprint
  ARGV[2] retention in ms

  Returns the recorded fingerprint: ARGV[1] when this call recorded it, the earlier one otherwise.
]]
local recorded = redis.call('GET', KEYS[1])
if recorded then
  return recorded
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
