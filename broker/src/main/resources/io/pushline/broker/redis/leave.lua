-- A node stops vouching for a uid (its last connection for the uid closed, or a previous life is withdrawn).
-- KEYS[1]: the uid's presence sorted set; ARGV[1]: node id
-- The key must expire with its longest-lived remaining member (as touch.lua sets it), because a push asks only
-- EXISTS: left at the leaving node's time, the key would outlive a remaining entry that has lapsed. A time in the
-- past deletes the key at once; so does removing the last member.
redis.call('ZREM', KEYS[1], ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then
  redis.call('PEXPIREAT', KEYS[1], last[2])
end
return 1
