package io.pushline.all;

import io.pushline.common.config.RedisOptions;
import io.pushline.testkit.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;
import java.util.UUID;

/** The wire contract through a real redis-server. */
class RedisPushlineIT extends PushlineContract {

    private static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Override
    RedisOptions redisOptions() {
        return new RedisOptions(redis.uri(), "it-" + UUID.randomUUID().toString().substring(0, 8), Duration.ofSeconds(30));
    }
}
