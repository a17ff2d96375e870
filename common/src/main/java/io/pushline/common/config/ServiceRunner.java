package io.pushline.common.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a service until the JVM is asked to stop (SIGTERM, Ctrl-C), then closes it. A start that fails is
 * reported in one line naming the component and the cause, with exit code 1.
 */
public final class ServiceRunner {

    private static final Logger log = LoggerFactory.getLogger(ServiceRunner.class);

    private ServiceRunner() {
    }

    /** Starts the service and blocks until shutdown; returns the process exit code. */
    public static int run(String component, Callable<? extends AutoCloseable> start) {
        AutoCloseable service;
        try {
            service = start.call();
        } catch (StartupException | IllegalArgumentException e) {
            log.error("{}: {}", component, e.getMessage());
            return 1;
        } catch (Exception e) {
            log.error("{}: failed to start", component, e);
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("{}: stopping", component);
            try {
                service.close();
            } catch (Exception e) {
                log.error("{}: error while stopping", component, e);
            } finally {
                log.info("{}: stopped", component);
                stopped.countDown();
            }
        }, component + "-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
