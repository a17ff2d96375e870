package io.pushline.testkit.leaks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gate must see a leak, name where the buffer came from, and stay quiet when buffers are released. (The leaks
 * made here on purpose are also logged, as Netty logs every leak.)
 */
class NettyLeaksTest {

    @Test
    void aBufferDroppedWithoutReleaseIsReportedWithItsThreadAndSize() {
        NettyLeaks.sweep();
        leakOne();
        List<String> leaks = NettyLeaks.sweep();
        assertEquals(1, leaks.size(), () -> "reports: " + leaks);
        String thread = Thread.currentThread().getName();
        assertTrue(leaks.get(0).contains("thread " + thread + ", with a capacity of 32 bytes"), leaks.get(0));
        assertEquals(List.of(), NettyLeaks.sweep(), "a report is returned once");
    }

    @Test
    void releasedBuffersOfEveryKindAreNotReported() {
        NettyLeaks.sweep();
        for (int i = 0; i < 1_000; i++) {
            ByteBuf direct = ByteBufAllocator.DEFAULT.directBuffer(64).writeInt(i);
            ByteBuf composite = Unpooled.wrappedBuffer(direct, ByteBufAllocator.DEFAULT.heapBuffer(8).writeLong(i));
            composite.release();
        }
        assertEquals(List.of(), NettyLeaks.sweep());
    }

    @Test
    void atTheParanoidLevelNettysOwnReportsAreCollectedWithWhereTheBufferWasCreated() {
        ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        try {
            NettyLeaks.sweep();
            leakOne();
            List<String> leaks = NettyLeaks.sweep();
            assertEquals(1, leaks.size(), () -> "reports: " + leaks);
            assertTrue(leaks.get(0).contains("NettyLeaksTest.leakOne"), leaks.get(0));
        } finally {
            ResourceLeakDetector.setLevel(before);
        }
    }

    private static void leakOne() {
        ByteBuf leaked = ByteBufAllocator.DEFAULT.directBuffer(32);
        leaked.writeLong(42);
    }
}
