-- A node that Redis may not match (it waits to re-sync) keeps vouching for a uid it already vouches for, until
-- now + ttl; it never creates an entry. Only a join or a re-sync creates one, after the uid's subscription is
-- confirmed: so a Redis restarted empty gets no presence from this script, and ok never precedes a subscription.
-- KEYS[1]: the uid's presence sorted set; ARGV[1]: node id; ARGV[2]: ttl in ms
-- Returns 1 when the node's entry was extended, 0 when it had none.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- Passed entries go first, this node's too: a lapsed entry is no entry (its uid read offline), and XX would revive it.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now))
-- XX: only a member that exists (Redis 7.0 has no other way to say so in one command); GT: never shortened.
local extended = redis.call('ZADD', KEYS[1], 'XX', 'GT', 'CH', string.format('%d', now + tonumber(ARGV[2])), ARGV[1])
-- The key expires with its longest-lived member, as touch.lua keeps it, so that EXISTS means someone vouches.
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then
  redis.call('PEXPIREAT', KEYS[1], last[2])
end
return extended
