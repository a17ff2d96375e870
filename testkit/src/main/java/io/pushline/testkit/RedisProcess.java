package io.pushline.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code redis-server} child process on a given port: launch, wait until it serves, stop, kill.
 *
 * <p>It knows nothing about choosing ports or retrying; {@link RedisServer} does that.
 */
final class RedisProcess {

    private static final String HOST = "127.0.0.1";
    /** Polling period while redis opens its port: there is no push signal from an external process. */
    private static final long POLL_MILLIS = 20;
    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(200);

    private final Process process;

    private RedisProcess(Process process) {
        this.process = process;
    }

    /**
     * Launches redis-server and waits until it answers PING on {@code port}.
     *
     * @return the running process, or {@code null} if it exited before serving (typically: the port was taken),
     *     in which case the caller may retry on another port
     * @throws IllegalStateException if it neither served nor exited within {@code readyTimeout}
     */
    static RedisProcess launch(Path binary, int port, Path dataDir, Path log, Duration readyTimeout, List<String> extraArgs) {
        List<String> command = new java.util.ArrayList<>(List.of(binary.toString(),
                "--port", Integer.toString(port),
                "--bind", HOST,
                // No persistence: every start (and restart) begins with empty data, and nothing is written to disk.
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--protected-mode", "no",
                "--dir", dataDir.toString()));
        command.addAll(extraArgs);
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    // Append so that the log keeps every start of this server, which helps explain a failed restart.
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + command, e);
        }
        RedisProcess redis = new RedisProcess(process);
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                return null;
            }
            if (redis.serves(port)) {
                return redis;
            }
            if (!process.isAlive()) {
                // PONG came from someone else's server that holds the port; ours failed to bind.
                return null;
            }
            sleepQuietly(POLL_MILLIS);
        }
        redis.kill();
        throw new IllegalStateException("redis-server did not answer PING on port " + port + " within "
                + readyTimeout + "; last lines of " + log + ":\n" + tail(log, 20));
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, then wait for the exit so the port is released when this returns. */
    void kill() {
        process.destroyForcibly();
        waitForQuietly(Long.MAX_VALUE);
    }

    /** Non-blocking SIGKILL for shutdown hooks. */
    void killNow() {
        process.destroyForcibly();
    }

    /** SIGTERM, wait up to {@code grace}, then SIGKILL. */
    void stop(Duration grace) {
        process.destroy();
        if (!waitForQuietly(grace.toMillis())) {
            kill();
        }
    }

    /** Last {@code lines} lines of a log file, or a note why it could not be read. */
    static String tail(Path log, int lines) {
        try {
            // ISO-8859-1 never fails to decode, whatever bytes the log holds.
            List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(could not read " + log + ": " + e + ")";
        }
    }

    /** True if PING answers PONG and the answering server is this process (not another server on the port). */
    private boolean serves(int port) {
        try {
            if (!"PONG".equals(Resp.call(HOST, port, PROBE_TIMEOUT, PROBE_TIMEOUT, "PING"))) {
                return false;
            }
            Object info = Resp.call(HOST, port, PROBE_TIMEOUT, PROBE_TIMEOUT, "INFO", "server");
            return info instanceof String text && text.contains("process_id:" + process.pid() + "\r\n");
        } catch (IOException notYet) {
            return false;
        }
    }

    private boolean waitForQuietly(long millis) {
        try {
            return process.waitFor(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server pid " + process.pid()
                    + " to exit", e);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server", e);
        }
    }
}
