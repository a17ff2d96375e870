package io.pushline.ingest.line;

/**
 * What one connection may do: the longest line, the publishes it may have awaiting Redis before it stops being
 * read, and the most bytes one line may cost Redis (its length once per target uid).
 */
public record LineLimits(int maxLineLength, int maxInFlight, long maxFanoutBytes) {

    /** Only the two older limits: no cap on one line's fan-out. */
    public static LineLimits of(int maxInFlight, int maxLineLength) {
        return new LineLimits(maxLineLength, maxInFlight, Long.MAX_VALUE);
    }
}
