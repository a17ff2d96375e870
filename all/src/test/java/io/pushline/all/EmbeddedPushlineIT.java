package io.pushline.all;

import io.pushline.common.config.RedisOptions;

import java.time.Duration;

/** The wire contract with the embedded default: no Redis, the in-memory broker. */
class EmbeddedPushlineIT extends PushlineContract {

    @Override
    RedisOptions redisOptions() {
        return new RedisOptions(null, "pushline", Duration.ofSeconds(30));
    }
}
