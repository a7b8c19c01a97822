--[[
  Records behaviors, each against one rule's sliding window for one user, idempotently by event id,
  and consumes a window when it reaches the threshold, so the rule fires once per `threshold`
  behaviors however many callers race. Many behaviors per call (bulk intake sends a batch's counts
  in a few calls instead of a command each), applied in their order, each exactly as if alone.

  Per behavior i (from 0), 3 keys and 5 arguments, KEYS[3i+1..3i+3] and ARGV[5i+1..5i+5]:
  KEYS seen zset     event id -> atMs of every behavior still inside the window, pending or
                     already consumed: remembering consumed ones keeps a redelivered behavior
                     from counting a second time
  KEYS pending hash  event id -> occurrence JSON of the behaviors not yet in a fired batch
  KEYS fired hash    event id -> JSON array of the batch that this behavior completed, so that
                     recording it again answers the same (and the caller republishes the same
                     event) instead of silently losing a firing whose publish failed

  ARGV event id
  ARGV atMs of the behavior (the window is measured in behavior time)
  ARGV occurrence JSON
  ARGV window in ms, also the keys' ttl
  ARGV threshold

  Returns one {fired (1|0), JSON array of occurrences, oldest first} per behavior, in order: the
  batch when fired, otherwise the behaviors pending in the window.
]]


local function refreshTtl(keys, windowMs)
  for i = 1, 3 do
    redis.call('PEXPIRE', keys[i], windowMs)
  end
end

-- Ties in time are ordered by event id so every caller sees one order.
local function pendingOldestFirst(keys)
  local fields = redis.call('HGETALL', keys[2])
  local entries = {}
  for i = 1, #fields, 2 do
    local at = tonumber(redis.call('ZSCORE', keys[1], fields[i])) or 0
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

local function record(keys, eventId, atMsText, occurrenceJson, windowMs, threshold)
  local atMs = tonumber(atMsText)
  -- Slide the window. Chunked because unpack() is bounded by the Lua stack.
  local expired = redis.call('ZRANGEBYSCORE', keys[1], '-inf', atMs - windowMs)
  for i = 1, #expired, 1000 do
    local chunk = { unpack(expired, i, math.min(i + 999, #expired)) }
    redis.call('ZREM', keys[1], unpack(chunk))
    redis.call('HDEL', keys[2], unpack(chunk))
    redis.call('HDEL', keys[3], unpack(chunk))
  end

  if redis.call('ZSCORE', keys[1], eventId) then
    refreshTtl(keys, windowMs)
    local batch = redis.call('HGET', keys[3], eventId)
    if batch then
      return { 1, batch }
    end
    local pending = pendingOldestFirst(keys)
    return { 0, pending }
  end

  redis.call('ZADD', keys[1], atMsText, eventId)
  redis.call('HSET', keys[2], eventId, occurrenceJson)
  local pending, count = pendingOldestFirst(keys)
  if count >= threshold then
    redis.call('DEL', keys[2])
    redis.call('HSET', keys[3], eventId, pending)
    refreshTtl(keys, windowMs)
    return { 1, pending }
  end
  refreshTtl(keys, windowMs)
  return { 0, pending }
end

local replies = {}
for i = 0, #KEYS / 3 - 1 do
  local keys = { KEYS[3 * i + 1], KEYS[3 * i + 2], KEYS[3 * i + 3] }
  local a = 5 * i
  replies[i + 1] = record(keys, ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]))
end
return replies
