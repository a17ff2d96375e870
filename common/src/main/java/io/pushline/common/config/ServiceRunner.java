package io.pushline.common.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a service until the JVM is asked to stop (SIGTERM, Ctrl-C), then closes it. A start that fails is
 * reported in one line naming the component and the cause, with exit code 1.
 *
 * <p>The shutdown hook is in place before the service starts: a SIGTERM that arrives while the service is
 * still starting (its listeners already open) waits for the start to finish and then closes it, so clients
 * still get a clean close.
 */
public final class ServiceRunner {

    private static final Logger log = LoggerFactory.getLogger(ServiceRunner.class);
    /** How long a SIGTERM during start waits for the start to finish before giving up on a clean close. */
    static final long MAX_START_WAIT_SECONDS = 30;

    private ServiceRunner() {
    }

    /** Starts the service and blocks until shutdown; returns the process exit code. */
    public static int run(String component, Callable<? extends AutoCloseable> start) {
        AtomicReference<AutoCloseable> service = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            try {
                started.await(MAX_START_WAIT_SECONDS, TimeUnit.SECONDS);
                AutoCloseable running = service.get();
                if (running != null) {
                    log.info("{}: stopping", component);
                    running.close();
                    log.info("{}: stopped", component);
                }
            } catch (Exception e) {
                log.error("{}: error while stopping", component, e);
            } finally {
                stopped.countDown();
            }
        }, component + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            service.set(start.call());
        } catch (StartupException | IllegalArgumentException e) {
            log.error("{}: {}", component, e.getMessage());
            return 1;
        } catch (Exception e) {
            log.error("{}: failed to start", component, e);
            return 1;
        } finally {
            started.countDown();
        }
        log.info("{}: started", component);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
