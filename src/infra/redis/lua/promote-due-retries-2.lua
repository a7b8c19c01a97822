--[[
  Moves retries that are due from the retry schedule back onto the stream, where any consumer of the
  group reads them. Atomic, so two workers promoting at once never duplicate a retry.

  KEYS[1] the retry schedule: a sorted set scored by the time (ms) the retry is due
  KEYS[2] the stream
  ARGV[1] the most members to move in one call

  Returns the number of retries moved.
]]
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms, 'LIMIT', 0, tonumber(ARGV[1]))
for _, member in ipairs(due) do
  -- "<attempt>:<origin length>:<origin><body>": the length prefix lets origin and body hold any byte.
  local attempt, origin_length, rest = string.match(member, '^(%d+):(%d+):(.*)$')
  if attempt then
    local length = tonumber(origin_length)
    redis.call('XADD', KEYS[2], '*', 'body', string.sub(rest, length + 1), 'attempt', attempt, 'origin', string.sub(rest, 1, length))
  end
  redis.call('ZREM', KEYS[1], member)
end
return #due
