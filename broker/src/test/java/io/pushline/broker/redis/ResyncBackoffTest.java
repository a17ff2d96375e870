package io.pushline.broker.redis;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ResyncBackoffTest {

    @Test
    void theDelayDoublesPerFailureInARowUpToItsCap() {
        assertEquals(250, RedisBroker.resyncDelayMillis(1));
        assertEquals(500, RedisBroker.resyncDelayMillis(2));
        assertEquals(1_000, RedisBroker.resyncDelayMillis(3));
        assertEquals(RedisBroker.MAX_RESYNC_RETRY.toMillis(), RedisBroker.resyncDelayMillis(6));
        assertEquals(RedisBroker.MAX_RESYNC_RETRY.toMillis(), RedisBroker.resyncDelayMillis(1_000));
    }
}
