/**
 * The Redis broker: one command connection and one pub/sub connection per node, Lettuce, non-blocking.
 * Presence and publish are Lua scripts so a push costs one round trip. Names come from
 * {@link io.pushline.common.redis.RedisNames}.
 */
package io.pushline.broker.redis;
