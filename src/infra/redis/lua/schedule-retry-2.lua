--[[
  Moves a delivery whose handler asked for a retry from the consumer group's pending list into the
  retry schedule, in one step: a crash between the two could otherwise lose it or deliver it twice.

  KEYS[1] the stream
  KEYS[2] the retry schedule: a sorted set scored by the time (ms) the retry is due
  ARGV[1] the consumer group
  ARGV[2] the stream entry id being retried
  ARGV[3] the delay in ms
  ARGV[4] the schedule member: "<attempt>:<origin length>:<origin><body>" (see retry-member.ts)

  Returns 1 when scheduled, 0 when the entry was no longer pending (another consumer settled it).
]]
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return 0
end
redis.call('XDEL', KEYS[1], ARGV[2])
-- The server's clock, not the worker's, so that workers with skewed clocks agree on what is due.
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZADD', KEYS[2], now_ms + tonumber(ARGV[3]), ARGV[4])
return 1
