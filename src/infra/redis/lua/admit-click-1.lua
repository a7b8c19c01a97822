--[[
  Admits one click of one user on one activity under `limits.clicksPerUser`: a sliding window of
  event ids scored by time. A click already in the window (a retry) is admitted again without
  counting twice; a click over the limit is refused and not counted, so the set never holds more
  than the limit.

  KEYS[1] click window  `clicks:{activity:user}` (sorted set: event id -> click time in ms)

  ARGV[1] now in ms
  ARGV[2] window in ms
  ARGV[3] limit (clicks per window)
  ARGV[4] event id
  ARGV[5] 1 to count an admitted click, 0 to only answer (dry runs): then nothing is written, not
          even the pruning of old clicks, since a dry run's `now` may lie in the future and would
          wipe the live window

  Returns { admitted (1|0), clicks in the window after this call }.
]]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local counting = ARGV[5] == '1'
local clicks
if counting then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
  clicks = redis.call('ZCARD', KEYS[1])
else
  clicks = redis.call('ZCOUNT', KEYS[1], '(' .. (now - window), '+inf')
end
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then
  return { 1, clicks }
end
if clicks >= tonumber(ARGV[3]) then
  return { 0, clicks }
end
if counting then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  clicks = clicks + 1
end
return { 1, clicks }
