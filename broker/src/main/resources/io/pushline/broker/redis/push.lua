-- Presence check and publish in one round trip, atomically.
-- KEYS[1]: the uid's presence sorted set (member = node id, score = vouched-until, Redis clock, epoch ms)
-- KEYS[2]: the uid's channel; declared as a key so that Redis Cluster routes the call by the {uid} hash tag
-- ARGV[1]: the line, byte for byte
-- Returns 1 when the uid was online and the line was published, 0 when it was offline (nothing published).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZCOUNT', KEYS[1], string.format('(%d', now), '+inf') == 0 then
  return 0
end
redis.call('PUBLISH', KEYS[2], ARGV[1])
return 1
