package io.pushline.ingest.line;

/**
 * A line a guard in front of {@link PushLineHandler} refused without parsing it. The handler answers it
 * {@code fail} in its turn, so replies stay in line order.
 */
public enum RefusedLine {
    /** Its connection passed the per-connection line rate limit. */
    RATE_LIMITED
}
