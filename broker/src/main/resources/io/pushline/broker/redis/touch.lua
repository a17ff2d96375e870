-- A node vouches for a uid until now + ttl (Redis clock, so nodes' clocks never disagree).
-- KEYS[1]: the uid's presence sorted set; ARGV[1]: node id; ARGV[2]: ttl in ms
-- Also drops members whose time has passed (nodes that died), and sets the key to expire with its longest-lived
-- member: so the key exists exactly while some node vouches for the uid, and a push need only ask EXISTS.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now))
redis.call('ZADD', KEYS[1], string.format('%d', now + tonumber(ARGV[2])), ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1
