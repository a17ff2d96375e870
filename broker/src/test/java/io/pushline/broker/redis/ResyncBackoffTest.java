package io.pushline.broker.redis;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ResyncBackoffTest {

    @Test
    void theDelayDoublesPerFailureInARowUpToItsCap() {
        assertEquals(250, ResyncRuns.delayMillis(1));
        assertEquals(500, ResyncRuns.delayMillis(2));
        assertEquals(1_000, ResyncRuns.delayMillis(3));
        assertEquals(ResyncRuns.MAX_RETRY.toMillis(), ResyncRuns.delayMillis(6));
        assertEquals(ResyncRuns.MAX_RETRY.toMillis(), ResyncRuns.delayMillis(1_000));
    }
}
