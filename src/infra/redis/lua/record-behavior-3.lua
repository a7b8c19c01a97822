--[[
  Records one behavior against a rule's sliding window for one user, idempotently by event id, and
  consumes the window when it reaches the threshold, so the rule fires once per `threshold`
  behaviors however many callers race.

  KEYS[1] seen zset     event id -> atMs of every behavior still inside the window, pending or
                        already consumed: remembering consumed ones keeps a redelivered behavior
                        from counting a second time
  KEYS[2] pending hash  event id -> occurrence JSON of the behaviors not yet in a fired batch
  KEYS[3] fired hash    event id -> JSON array of the batch that this behavior completed, so that
                        recording it again answers the same (and the caller republishes the same
                        event) instead of silently losing a firing whose publish failed

  ARGV[1] event id
  ARGV[2] atMs of the behavior (the window is measured in behavior time)
  ARGV[3] occurrence JSON
  ARGV[4] window in ms, also the keys' ttl
  ARGV[5] threshold

  Returns {fired (1|0), JSON array of occurrences, oldest first}: the batch when fired, otherwise
  the behaviors pending in the window.
]]
local eventId = ARGV[1]
local atMs = tonumber(ARGV[2])
local windowMs = tonumber(ARGV[4])
local threshold = tonumber(ARGV[5])

local function refreshTtl()
  for i = 1, 3 do
    redis.call('PEXPIRE', KEYS[i], windowMs)
  end
end

-- Ties in time are ordered by event id so every caller sees one order.
local function pendingOldestFirst()
  local fields = redis.call('HGETALL', KEYS[2])
  local entries = {}
  for i = 1, #fields, 2 do
    local at = tonumber(redis.call('ZSCORE', KEYS[1], fields[i])) or 0
    entries[#entries + 1] = { id = fields[i], at = at, json = fields[i + 1] }
  end
  table.sort(entries, function(a, b)
    if a.at ~= b.at then
      return a.at < b.at
    end
    return a.id < b.id
  end)
  local jsons = {}
  for i, entry in ipairs(entries) do
    jsons[i] = entry.json
  end
  return '[' .. table.concat(jsons, ',') .. ']', #jsons
end

-- Slide the window. Chunked because unpack() is bounded by the Lua stack.
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', atMs - windowMs)
for i = 1, #expired, 1000 do
  local chunk = { unpack(expired, i, math.min(i + 999, #expired)) }
  redis.call('ZREM', KEYS[1], unpack(chunk))
  redis.call('HDEL', KEYS[2], unpack(chunk))
  redis.call('HDEL', KEYS[3], unpack(chunk))
end

if redis.call('ZSCORE', KEYS[1], eventId) then
  refreshTtl()
  local batch = redis.call('HGET', KEYS[3], eventId)
  if batch then
    return { 1, batch }
  end
  local pending = pendingOldestFirst()
  return { 0, pending }
end

redis.call('ZADD', KEYS[1], ARGV[2], eventId)
redis.call('HSET', KEYS[2], eventId, ARGV[3])
local pending, count = pendingOldestFirst()
if count >= threshold then
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[3], eventId, pending)
  refreshTtl()
  return { 1, pending }
end
refreshTtl()
return { 0, pending }
