package io.pushline.testkit.leaks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every Netty buffer a test allocates is tracked, and one that is garbage-collected without having been released is
 * reported, so that a test run can fail on it instead of logging it.
 *
 * <p>Netty's own detector samples one buffer in 128 and records each sampled buffer's stack. Recording a stack for
 * every buffer, even only 12 frames of it, made the heavier tests 70% slower (a node withdrawing 69,536 uids missed
 * its 2 s bound). So at Netty's default level, {@code simple}, every buffer is tracked here, through Netty's detector
 * factory, with only its capacity and the thread that allocated it. At {@code -Dio.netty.leakDetection.level=paranoid}
 * (or {@code advanced}) Netty's detector does the tracking, with where each buffer was created and last touched,
 * and its reports are collected the same way: the level to re-run a failing test with.
 *
 * <p>{@link #install()} must run before the first Netty buffer class is initialized, since each buffer type keeps
 * the detector it was given then; {@link NettyLeaksSessionListener} does it when the test launcher opens.
 *
 * <p>A leak shows only once the garbage collector has dropped the buffer. {@link #sweep()} forces a collection, and
 * proves that it saw its effect with a canary: a buffer leaked on purpose whose report must come back. Without it, a
 * detector that was never installed, or a collection that had not yet reached the buffers, would pass as "no leaks".
 */
public final class NettyLeaks {

    private static final long SWEEP_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(20);
    /** Reports kept at most; a leak in a loop must not fill the heap of the JVM that reports it. */
    private static final int MAX_KEPT = 20;
    private static final String CANARY = "pushline-testkit leak canary #";

    private static final AtomicBoolean INSTALLED = new AtomicBoolean();
    private static final AtomicLong CANARIES = new AtomicLong();
    /** Set only while a canary is allocated, so that its report is known, and unique among Netty's own. */
    private static final ThreadLocal<String> CANARY_HINT = new ThreadLocal<>();

    /** Trackers of buffers not yet released: what keeps a tracker reachable until its buffer is collected. */
    private static final Set<Tracker<?>> LIVE = ConcurrentHashMap.newKeySet();
    private static final ReferenceQueue<Object> COLLECTED = new ReferenceQueue<>();

    private static final List<String> REPORTS = new ArrayList<>();
    private static final Set<String> CANARIES_SEEN = ConcurrentHashMap.newKeySet();
    private static int dropped;

    private NettyLeaks() {
    }

    /** Makes every Netty leak detector created from now on one that reports here (and still logs). */
    public static void install() {
        if (INSTALLED.compareAndSet(false, true)) {
            ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
        }
    }

    /**
     * Collects garbage until every buffer dropped so far without release has been reported, and returns those
     * reports, forgetting them.
     *
     * @throws AssertionError when leaks cannot be seen in this JVM (not installed, level {@code disabled})
     */
    public static List<String> sweep() {
        String canary = CANARY + CANARIES.incrementAndGet();
        leakCanary(canary);
        long deadline = System.nanoTime() + SWEEP_TIMEOUT_NANOS;
        while (!CANARIES_SEEN.remove(canary)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("pushline-testkit: the canary buffer leaked on purpose was not reported within "
                        + TimeUnit.NANOSECONDS.toSeconds(SWEEP_TIMEOUT_NANOS) + " s, so leaks cannot be checked in this"
                        + " JVM (installed: " + INSTALLED.get() + ", level: " + ResourceLeakDetector.getLevel()
                        + "; see NettyLeaks)");
            }
            collectGarbage();
            reportCollected();
            reportNettysPending();
        }
        synchronized (REPORTS) {
            List<String> found = new ArrayList<>(REPORTS);
            if (dropped > 0) {
                found.add("... and " + dropped + " more leak reports");
            }
            REPORTS.clear();
            dropped = 0;
            return found;
        }
    }

    private static void leakCanary(String hint) {
        CANARY_HINT.set(hint);
        try {
            ByteBuf leaked = ByteBufAllocator.DEFAULT.directBuffer(16);
            leaked.writeByte(1); // and dropped without release(), on purpose
        } finally {
            CANARY_HINT.remove();
        }
    }

    /** Returns once a collection has run and queued its weak references, or after a bounded wait. */
    private static void collectGarbage() {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
        System.gc();
        try {
            queue.remove(TimeUnit.SECONDS.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a garbage collection", e);
        }
        sentinel.clear();
    }

    private static void reportCollected() {
        for (Reference<?> ref; (ref = COLLECTED.poll()) != null; ) {
            Tracker<?> tracker = (Tracker<?>) ref;
            if (LIVE.remove(tracker)) {
                record(tracker.resourceType, tracker.hint, " It was allocated on thread " + tracker.thread
                        + tracker.size + "; re-run with -Dio.netty.leakDetection.level=paranoid to see where it was"
                        + " created and last touched.");
            }
        }
    }

    /** Netty's own detectors (levels advanced, paranoid) report what they found when they track the next buffer. */
    private static void reportNettysPending() {
        if (ResourceLeakDetector.getLevel().ordinal() >= ResourceLeakDetector.Level.ADVANCED.ordinal()) {
            for (int i = 0; i < 64; i++) {
                ByteBufAllocator.DEFAULT.directBuffer(1).release();
                ByteBufAllocator.DEFAULT.heapBuffer(1).release();
            }
        }
    }

    private static void record(String resourceType, String canary, String records) {
        if (canary != null) {
            CANARIES_SEEN.add(canary);
            return;
        }
        synchronized (REPORTS) {
            if (REPORTS.size() < MAX_KEPT) {
                REPORTS.add("LEAK: a " + resourceType + " was garbage-collected without being released"
                        + " (release(), close() or stop())." + records);
            } else {
                dropped++;
            }
        }
    }

    private static String canaryIn(String records) {
        int at = records.indexOf(CANARY);
        if (at < 0) {
            return null;
        }
        int end = at + CANARY.length();
        while (end < records.length() && Character.isDigit(records.charAt(end))) {
            end++;
        }
        return records.substring(at, end);
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
            return new RecordingDetector<>(resource, samplingInterval);
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {

        private final String resourceType;

        RecordingDetector(Class<?> resource, int samplingInterval) {
            super(resource, samplingInterval);
            this.resourceType = resource.getSimpleName();
        }

        @Override
        public ResourceLeakTracker<T> track(T obj) {
            ResourceLeakDetector.Level level = getLevel();
            if (level == Level.DISABLED || level.ordinal() >= Level.ADVANCED.ordinal()) {
                return super.track(obj);
            }
            return new Tracker<>(obj, resourceType, CANARY_HINT.get());
        }

        @Override
        protected boolean needReport() {
            // Netty asks its logger; a test run must see the leak whatever the log level.
            return true;
        }

        @Override
        protected Object getInitialHint(String resourceType) {
            return CANARY_HINT.get();
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            String canary = canaryIn(records);
            record(resourceType, canary, records);
            if (canary == null) {
                super.reportTracedLeak(resourceType, records);
            }
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            record(resourceType, null, " (no creation record)");
            super.reportUntracedLeak(resourceType);
        }
    }

    /** Tracks one buffer; reachable from {@link #LIVE} until released, so that only a leaked one is queued. */
    private static final class Tracker<T> extends WeakReference<Object> implements ResourceLeakTracker<T> {

        final String resourceType;
        final String hint;
        final String thread;
        final String size;

        Tracker(Object tracked, String resourceType, String hint) {
            super(tracked, COLLECTED);
            this.resourceType = resourceType;
            this.hint = hint;
            this.thread = Thread.currentThread().getName();
            this.size = tracked instanceof ByteBuf ? ", with a capacity of " + ((ByteBuf) tracked).capacity() + " bytes" : "";
            LIVE.add(this);
        }

        @Override
        public void record() {
        }

        @Override
        public void record(Object hint) {
        }

        @Override
        public boolean close(T trackedObject) {
            try {
                return LIVE.remove(this);
            } finally {
                // Until here the buffer must not count as collected, or a release could race its own report.
                Reference.reachabilityFence(trackedObject);
            }
        }
    }
}
