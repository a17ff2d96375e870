package io.pushline.common.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisOptionsTest {

    @Test
    void aStandaloneNodeWithoutARedisUrlIsRefusedNamingTheFlagTheVariableAndTheAlternative() {
        RedisOptions none = new RedisOptions(" ", "pushline", Duration.ofSeconds(30));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> none.validateRequired("a standalone gateway"));
        assertTrue(e.getMessage().startsWith("--redis-url (PUSHLINE_REDIS_URL) is required for a standalone gateway"), e.getMessage());
        assertTrue(e.getMessage().contains("pushline-all.jar"), e.getMessage());
    }

    @Test
    void aRedisUrlSatisfiesIt() {
        RedisOptions some = new RedisOptions("redis://127.0.0.1:6379", "pushline", Duration.ofSeconds(30));
        assertSame(some, some.validateRequired("a standalone ingest"));
    }

    @Test
    void tlsAndUnixSocketUrlsAreAcceptedAndAnyOtherSchemeIsRefusedNamingTheForms() {
        for (String url : new String[] {"rediss://h:6380/0", "redis-socket:///run/redis/redis.sock"}) {
            assertTrue(new RedisOptions(url, "pushline", Duration.ofSeconds(30)).hasRedis(), url);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RedisOptions("unix:///run/redis/redis.sock", "pushline", Duration.ofSeconds(30)));
        assertTrue(e.getMessage().contains("redis://, rediss:// or redis-socket://"), e.getMessage());
    }

    @Test
    void masksRedisPasswords() {
        assertEquals("redis://app:***@host:6379", RedisOptions.mask("redis://app:s3cret@host:6379"));
        assertEquals("rediss://***@host:6380/0", RedisOptions.mask("rediss://s3cret@host:6380/0"));
        assertEquals("redis://host:6379", RedisOptions.mask("redis://host:6379"));
        assertEquals("redis-socket://app:***@/run/redis/redis.sock", RedisOptions.mask("redis-socket://app:s3cret@/run/redis/redis.sock"));
        assertEquals("redis-socket://***@/run/redis/redis.sock", RedisOptions.mask("redis-socket://s3cret@/run/redis/redis.sock"));
        assertEquals("redis-socket:///run/redis/redis.sock", RedisOptions.mask("redis-socket:///run/redis/redis.sock"));
    }
}
