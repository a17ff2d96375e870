package io.pushline.broker.redis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Sends one command (or a few) per item of a long list, a slice at a time: the next slice is written only when
 * Redis has answered every command of the previous one. The commands of a node's periodic presence refresh and of
 * a re-sync are as many as the uids it holds; written at once, they queue up as one write task each on the event
 * loop of the Redis connection, which runs them back to back (Netty runs queued tasks for up to a second before it
 * looks at its sockets again) while the pushes of every page on that loop wait. 19,000 touches every 10 s put a
 * p99 of 240 ms on the pushes of a node. In slices, the loop reads and writes its sockets between two of them, and
 * Redis's answers pace the writes.
 */
final class Slices {

    /** Commands in flight at a time: a few milliseconds of writes for the loop, a short queue for Redis. */
    static final int SIZE = 64;

    private Slices() {
    }

    /**
     * Applies {@code command} to every item, {@link #SIZE} at a time, each slice as soon as the previous one is
     * answered. Stops at the first slice with a failed command.
     *
     * @return completes when every command has succeeded, or exceptionally with the first failure
     */
    static <T> CompletableFuture<Void> each(List<T> items, Function<T, CompletableFuture<?>> command) {
        return each(items, command, Duration.ZERO, null);
    }

    /**
     * As {@link #each(List, Function)}, with the slices spread over about {@code spread}: after a slice is
     * answered, the next one waits {@code spread} divided by the number of slices, on {@code timer}. For work that
     * can take its time (a periodic refresh), so that Redis and the loop see a trickle rather than a burst.
     */
    static <T> CompletableFuture<Void> each(List<T> items, Function<T, CompletableFuture<?>> command, Duration spread,
                                            ScheduledExecutorService timer) {
        int slices = (items.size() + SIZE - 1) / SIZE;
        long gapNanos = slices <= 1 ? 0 : spread.toNanos() / slices;
        CompletableFuture<Void> done = new CompletableFuture<>();
        new Run<>(items, command, gapNanos, timer, done).sendFrom(0);
        return done;
    }

    private record Run<T>(List<T> items, Function<T, CompletableFuture<?>> command, long gapNanos,
                          ScheduledExecutorService timer, CompletableFuture<Void> done) {

        void sendFrom(int from) {
            if (from >= items.size()) {
                done.complete(null);
                return;
            }
            int to = Math.min(items.size(), from + SIZE);
            CompletableFuture<?>[] slice = new CompletableFuture<?>[to - from];
            try {
                for (int i = from; i < to; i++) {
                    slice[i - from] = command.apply(items.get(i));
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
                return;
            }
            CompletableFuture.allOf(slice).whenComplete((v, e) -> {
                if (e != null) {
                    done.completeExceptionally(e);
                } else if (gapNanos > 0 && to < items.size()) {
                    try {
                        timer.schedule(() -> sendFrom(to), gapNanos, TimeUnit.NANOSECONDS);
                    } catch (RuntimeException rejected) { // the timer is shutting down with the client
                        done.completeExceptionally(rejected);
                    }
                } else {
                    sendFrom(to);
                }
            });
        }
    }
}
