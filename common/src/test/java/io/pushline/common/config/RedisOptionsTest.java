package io.pushline.common.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;

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
}
