package io.pushline.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The bounded line buffer behind JavaProcess. */
class LineCaptureTest {

    @Test
    void keepsOnlyTheLastLinesAndMatchesOldOnes() throws InterruptedException {
        LineCapture capture = new LineCapture(3);
        for (int i = 1; i <= 5; i++) {
            capture.add("line " + i);
        }
        assertEquals("line 3\nline 4\nline 5", capture.text());
        assertEquals("line 3", capture.await(Pattern.compile("line"), 0));
        assertNull(capture.await(Pattern.compile("line 1"), 0), "dropped lines no longer match");
    }

    @Test
    void wakesUpForALineAddedByAnotherThread() throws InterruptedException {
        LineCapture capture = new LineCapture(10);
        capture.add("noise");
        Thread writer = new Thread(() -> {
            capture.add("more noise");
            capture.add("the answer");
        });
        writer.start();
        assertEquals("the answer", capture.await(Pattern.compile("answer"), TimeUnit.SECONDS.toNanos(10)));
        writer.join();
    }

    @Test
    void stopsWaitingWhenTheStreamEnds() throws InterruptedException {
        LineCapture capture = new LineCapture(10);
        new Thread(capture::end).start();
        long before = System.nanoTime();
        assertNull(capture.await(Pattern.compile("x"), TimeUnit.SECONDS.toNanos(30)));
        assertTrue(System.nanoTime() - before < TimeUnit.SECONDS.toNanos(5), "returned at the end, not the timeout");
    }
}
