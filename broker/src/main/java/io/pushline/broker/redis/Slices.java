package io.pushline.broker.redis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Sends one command (or a few) per item of a long list, a slice at a time, with at most {@link #IN_FLIGHT} slices
 * unanswered: a slice is written when Redis has answered an earlier one. The commands of a node's periodic
 * presence refresh and of a re-sync are as many as the uids it holds; written at once, they queue up as one write
 * task each on the event loop of the Redis connection, which runs them back to back (Netty runs queued tasks for
 * up to a second before it looks at its sockets again) while the pushes of every page on that loop wait. 19,000
 * touches every 10 s put a p99 of 240 ms on the pushes of a node, and 100,000 overflowed the command queue. In
 * slices, the loop reads and writes its sockets between two of them, and Redis's answers pace the writes.
 */
final class Slices {

    /** Commands per slice: well under a millisecond of writes for the loop. */
    static final int SIZE = 64;
    /**
     * Slices unanswered at a time. One would cap a refresh at {@link #SIZE} commands per round trip, which a busy
     * Redis stretches to milliseconds; a few keep Redis busy while still bounding what waits in the queues.
     */
    static final int IN_FLIGHT = 4;

    private Slices() {
    }

    /**
     * Applies {@code command} to every item, {@link #SIZE} at a time, each slice as soon as an earlier one is
     * answered. Stops sending at the first failed command.
     *
     * @return completes when every command has succeeded, or exceptionally with the first failure
     */
    static <T> CompletableFuture<Void> each(List<T> items, Function<T, CompletableFuture<?>> command) {
        return each(items, command, Duration.ZERO, null);
    }

    /**
     * As {@link #each(List, Function)}, with the slices spread over about {@code spread}, on {@code timer}: for work
     * that can take its time (a periodic refresh), so that Redis and the loop see a trickle rather than a burst.
     * The spread is a floor, not an addition: a slice waits only for its own time in the spread, so when Redis
     * answers more slowly than the spread allows, the slices follow each other as fast as Redis answers. A gap added
     * after each answer instead made a 69,536-uid refresh on a loaded machine take 4.2 s of its 3 s period.
     */
    static <T> CompletableFuture<Void> each(List<T> items, Function<T, CompletableFuture<?>> command, Duration spread,
                                            ScheduledExecutorService timer) {
        return each(items, command, spread, timer, System::nanoTime);
    }

    /** As above, on {@code clock} (nanoseconds), which tests set. */
    static <T> CompletableFuture<Void> each(List<T> items, Function<T, CompletableFuture<?>> command, Duration spread,
                                            ScheduledExecutorService timer, LongSupplier clock) {
        int slices = (items.size() + SIZE - 1) / SIZE;
        if (slices == 0) {
            return CompletableFuture.completedFuture(null);
        }
        // IN_FLIGHT chains of slices run side by side; the n-th slice of each chain is due n gaps after the start,
        // so that together they span about the spread.
        long gapNanos = slices <= IN_FLIGHT ? 0 : spread.toNanos() * IN_FLIGHT / slices;
        Run<T> run = new Run<>(items, command, slices, gapNanos, timer, clock);
        for (int i = 0; i < Math.min(IN_FLIGHT, slices); i++) {
            run.sendNext();
        }
        return run.done;
    }

    private static final class Run<T> {
        final List<T> items;
        final Function<T, CompletableFuture<?>> command;
        final int slices;
        final long gapNanos;
        final ScheduledExecutorService timer;
        final LongSupplier clock;
        final long startNanos;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger answered = new AtomicInteger();

        Run(List<T> items, Function<T, CompletableFuture<?>> command, int slices, long gapNanos,
            ScheduledExecutorService timer, LongSupplier clock) {
            this.items = items;
            this.command = command;
            this.slices = slices;
            this.gapNanos = gapNanos;
            this.timer = timer;
            this.clock = clock;
            this.startNanos = clock.getAsLong();
        }

        /**
         * Sends the next slice, after waiting on the timer until it is due; loops instead of recursing while slices
         * are answered as soon as they are sent.
         */
        void sendNext() {
            while (true) {
                int slice = next.get();
                if (slice >= slices || done.isDone()) {
                    return;
                }
                long early = startNanos + (slice / IN_FLIGHT) * gapNanos - clock.getAsLong();
                if (early > 0) {
                    sendLater(early); // the slice is taken when the timer fires, so that slices go in order
                    return;
                }
                if (next.compareAndSet(slice, slice + 1) && !send(slice)) {
                    return;
                }
            }
        }

        /** @return whether the slice was answered at once and the chain goes on here */
        private boolean send(int slice) {
            int from = slice * SIZE;
            int to = Math.min(items.size(), from + SIZE);
            CompletableFuture<?>[] sent = new CompletableFuture<?>[to - from];
            try {
                for (int i = from; i < to; i++) {
                    sent[i - from] = command.apply(items.get(i));
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
                return false;
            }
            CompletableFuture<Void> all = CompletableFuture.allOf(sent);
            if (!all.isDone()) {
                all.whenComplete((v, e) -> {
                    if (answered(e)) {
                        sendNext();
                    }
                });
                return false;
            }
            return answered(all.isCompletedExceptionally() ? failure(all) : null);
        }

        /** Counts an answered slice; false when nothing more is to be sent. */
        private boolean answered(Throwable e) {
            if (e != null) {
                done.completeExceptionally(e);
                return false;
            }
            if (answered.incrementAndGet() == slices) {
                done.complete(null);
                return false;
            }
            return true;
        }

        private void sendLater(long delayNanos) {
            try {
                timer.schedule(this::sendNext, delayNanos, TimeUnit.NANOSECONDS);
            } catch (RuntimeException rejected) { // the timer is shutting down with the client
                done.completeExceptionally(rejected);
            }
        }

        private static Throwable failure(CompletableFuture<Void> failed) {
            try {
                failed.join();
                return null;
            } catch (RuntimeException e) {
                return e.getCause() != null ? e.getCause() : e;
            }
        }
    }
}
