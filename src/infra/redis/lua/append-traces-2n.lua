--[[
  Appends a batch of chain traces on a single Redis (on a cluster their keys live in many slots, and
  each list is written by a command of its own): one command for the batch instead of four per trace.

  Per trace i (from 0), 2 keys and 2 arguments, KEYS[2i+1..2i+2] and ARGV[2i+4..2i+5]:
  KEYS event list     `trace:{eventId}`: the trace bodies of one event, oldest first
  KEYS instance list  `traces:{activity:user}`: references to them, newest first
  ARGV trace body JSON
  ARGV reference JSON

  ARGV[1] ttl in ms of both lists
  ARGV[2] most traces kept per event (oldest dropped)
  ARGV[3] most references kept per instance (oldest dropped)

  Returns the number of traces appended.
]]
local ttl = ARGV[1]
local perEvent = tonumber(ARGV[2])
local perInstance = tonumber(ARGV[3])
local traces = #KEYS / 2
for i = 0, traces - 1 do
  local eventKey = KEYS[2 * i + 1]
  local instanceKey = KEYS[2 * i + 2]
  if redis.call('RPUSH', eventKey, ARGV[2 * i + 4]) > perEvent then
    redis.call('LTRIM', eventKey, -perEvent, -1)
  end
  redis.call('PEXPIRE', eventKey, ttl)
  if redis.call('LPUSH', instanceKey, ARGV[2 * i + 5]) > perInstance then
    redis.call('LTRIM', instanceKey, 0, perInstance - 1)
  end
  redis.call('PEXPIRE', instanceKey, ttl)
end
return traces
