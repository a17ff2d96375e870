package io.pushline.testkit;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.regex.Pattern;

/**
 * The last N lines of a stream, with a wait for a line that matches a pattern.
 *
 * <p>The writer (a reader thread) signals every new line, so waiters wake at once instead of polling.
 */
final class LineCapture {

    private final int capacity;
    private final ArrayDeque<String> lines;
    /** Lines ever added, including the ones dropped from the front; lets a waiter scan only what is new. */
    private long added;
    private boolean ended;

    LineCapture(int capacity) {
        this.capacity = capacity;
        this.lines = new ArrayDeque<>(Math.min(capacity, 256));
    }

    synchronized void add(String line) {
        if (lines.size() == capacity) {
            lines.removeFirst();
        }
        lines.addLast(line);
        added++;
        notifyAll();
    }

    /** The stream is over: no more lines will come, so waiters can stop waiting. */
    synchronized void end() {
        ended = true;
        notifyAll();
    }

    synchronized boolean ended() {
        return ended;
    }

    /**
     * Returns the first kept line in which {@code pattern} is found (lines captured before the call count), waiting
     * up to {@code timeoutNanos} for one to arrive.
     *
     * @return the line, or {@code null} on timeout or when the stream ended without a match
     */
    synchronized String await(Pattern pattern, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        long scanned = added - lines.size();
        while (true) {
            String match = scanNew(pattern, added - scanned);
            if (match != null) {
                return match;
            }
            scanned = added;
            long left = deadline - System.nanoTime();
            if (ended || left <= 0) {
                return null;
            }
            // Object.wait takes millis; round up so a sub-millisecond remainder does not spin.
            wait(Math.max(1, (left + 999_999) / 1_000_000));
        }
    }

    /** The kept lines, oldest first, one per line. */
    synchronized String text() {
        return String.join("\n", lines);
    }

    /** Scans only the newest {@code fresh} lines (they may have been partly dropped from the front already). */
    private String scanNew(Pattern pattern, long fresh) {
        long skip = lines.size() - Math.min(fresh, lines.size());
        Iterator<String> it = lines.iterator();
        for (long i = 0; i < skip; i++) {
            it.next();
        }
        while (it.hasNext()) {
            String line = it.next();
            if (pattern.matcher(line).find()) {
                return line;
            }
        }
        return null;
    }
}
