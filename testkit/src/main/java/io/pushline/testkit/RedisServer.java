package io.pushline.testkit;

import java.io.File;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A real Redis for tests: a {@code redis-server} child process on a free port of 127.0.0.1, or, when the binary is
 * not installed but a Docker engine is, a {@code redis:7} container.
 *
 * <p>The local process is preferred because tests need to kill, stop and restart the broker to check how Pushline
 * survives it; the container variant cannot do that and throws {@link UnsupportedOperationException} instead.
 *
 * <p>Data is never persisted: every start and {@link #restart()} begins empty.
 */
public final class RedisServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisServer.class);

    private static final String LOCAL_HOST = "127.0.0.1";
    private static final int START_ATTEMPTS = 5;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Generous so that blocking commands (BLPOP with a short timeout) work, short enough to fail a hung test. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    private static final String DOCKER_IMAGE = "redis:7";
    private static final int DOCKER_PORT = 6379;

    // Local variant
    private final Path binary;
    /** Extra redis-server arguments, kept for restarts. */
    private final List<String> extraArgs;
    private final Path workDir;
    private final Path dataDir;
    private final Path log;
    private volatile RedisProcess process;

    // Docker variant
    private final GenericContainer<?> container;

    private final String host;
    private final int port;
    private final Runnable emergencyCleanup = this::cleanUpAtShutdown;
    private boolean closed;

    private RedisServer(Path binary, Path workDir, int port, RedisProcess process, List<String> extraArgs) {
        this.binary = binary;
        this.extraArgs = List.copyOf(extraArgs);
        this.workDir = workDir;
        this.dataDir = workDir.resolve("data");
        this.log = workDir.resolve("redis.log");
        this.process = process;
        this.container = null;
        this.host = LOCAL_HOST;
        this.port = port;
        Reaper.register(emergencyCleanup);
    }

    private RedisServer(GenericContainer<?> container) {
        this.extraArgs = List.of();
        this.binary = null;
        this.workDir = null;
        this.dataDir = null;
        this.log = null;
        this.container = container;
        this.host = container.getHost();
        this.port = container.getMappedPort(DOCKER_PORT);
        Reaper.register(emergencyCleanup);
    }

    /**
     * Starts a Redis: {@code redis-server} from PATH if there is one, else a {@code redis:7} container if Docker is
     * available.
     *
     * @throws IllegalStateException if neither is available, or Redis did not come up (the message then holds the
     *     last lines of its log)
     */
    public static RedisServer start() {
        return start(List.of());
    }

    /**
     * As {@link #start()}, with more redis-server arguments (a TLS port, say); the plain port stays, for the test
     * kit's own readiness checks and {@link #command}. Needs redis-server on PATH.
     */
    public static RedisServer start(List<String> extraArgs) {
        Optional<Path> binary = findOnPath("redis-server");
        if (binary.isPresent()) {
            return startLocal(binary.get(), extraArgs);
        }
        if (!extraArgs.isEmpty()) {
            throw new IllegalStateException("redis-server with extra arguments " + extraArgs + " needs redis-server on PATH");
        }
        if (dockerAvailable()) {
            return startDocker();
        }
        throw new IllegalStateException(
                "redis-server not found on PATH and no Docker engine: install redis-server (apt-get install -y redis-server)");
    }

    /** {@code redis://host:port}, ready for Lettuce's {@code RedisURI.create}. */
    public String uri() {
        return "redis://" + host + ":" + port;
    }

    public int port() {
        return port;
    }

    public String host() {
        return host;
    }

    /** SIGKILL: Redis dies at once, like a crashed broker. Returns once the process has exited. */
    public synchronized void kill() {
        requireLocal("kill");
        process.kill();
        LOG.info("killed redis-server on port {}", port);
    }

    /** SIGTERM (a clean Redis shutdown), waiting up to 10 s before falling back to SIGKILL. */
    public synchronized void stop() {
        requireLocal("stop");
        process.stop(STOP_GRACE);
        LOG.info("stopped redis-server on port {}", port);
    }

    /**
     * Starts Redis again on the same port with empty data, killing the running one first if there is one, and
     * returns once it answers PING.
     */
    public synchronized void restart() {
        requireLocal("restart");
        if (closed) {
            throw new IllegalStateException("restart() after close()");
        }
        if (process.isAlive()) {
            process.kill();
        }
        TempDirs.deleteRecursively(dataDir);
        createDirectories(dataDir);
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            RedisProcess started = RedisProcess.launch(binary, port, dataDir, log, READY_TIMEOUT, extraArgs);
            if (started != null) {
                process = started;
                LOG.info("restarted redis-server pid {} on port {}", started.pid(), port);
                return;
            }
            // The old socket may still hold the port for a moment; back off a little before the next try.
            sleepQuietly(100L * attempt);
        }
        throw new IllegalStateException("redis-server could not be restarted on port " + port + " after "
                + START_ATTEMPTS + " attempts; last lines of " + log + ":\n" + RedisProcess.tail(log, 20));
    }

    public boolean isRunning() {
        return container != null ? container.isRunning() : process.isAlive();
    }

    /**
     * Runs one command on its own connection and renders the reply: simple and bulk strings as themselves,
     * integers in decimal, arrays as {@code [a, b]} (nested nil as {@code null}, nested errors as
     * {@code (error) ...}), and a nil reply as {@code null}.
     *
     * @throws IllegalStateException if Redis answers with an error, so a failed setup step fails the test loudly
     * @throws UncheckedIOException if Redis cannot be reached
     */
    public String command(String... args) {
        Object reply;
        try {
            reply = Resp.call(host, port, CONNECT_TIMEOUT, READ_TIMEOUT, args);
        } catch (IOException e) {
            throw new UncheckedIOException("redis command " + String.join(" ", args) + " on " + uri() + " failed", e);
        }
        if (reply instanceof Resp.ErrorReply error) {
            throw new IllegalStateException("redis replied to " + String.join(" ", args) + " with an error: "
                    + error.message());
        }
        return Resp.render(reply);
    }

    /**
     * Subscribes a connection of its own to {@code channel} and keeps it open, reading nothing, until closed: a
     * subscriber that counts in {@code PUBLISH}'s answer but receives for no one (a frozen node, an operator's
     * {@code redis-cli SUBSCRIBE}).
     */
    public Closeable subscribe(String channel) {
        try {
            return Resp.subscribe(host, port, CONNECT_TIMEOUT, READ_TIMEOUT, channel)::close;
        } catch (IOException e) {
            throw new UncheckedIOException("SUBSCRIBE " + channel + " on " + uri() + " failed", e);
        }
    }

    /** Stops Redis and deletes its temporary folder. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (container != null) {
                container.stop();
            } else {
                process.stop(STOP_GRACE);
                TempDirs.deleteRecursively(workDir);
            }
        } finally {
            Reaper.unregister(emergencyCleanup);
        }
    }

    /** Folder holding the log and data; for the testkit's own tests. */
    Path workDir() {
        return workDir;
    }

    @Override
    public String toString() {
        return "RedisServer[" + uri() + (container != null ? ", docker" : "") + "]";
    }

    private static RedisServer startLocal(Path binary, List<String> extraArgs) {
        Path workDir;
        try {
            workDir = Files.createTempDirectory("pushline-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a temp dir for redis-server", e);
        }
        Path dataDir = workDir.resolve("data");
        Path log = workDir.resolve("redis.log");
        createDirectories(dataDir);
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int port = FreePort.find();
            RedisProcess process;
            try {
                process = RedisProcess.launch(binary, port, dataDir, log, READY_TIMEOUT, extraArgs);
            } catch (RuntimeException e) {
                TempDirs.deleteRecursively(workDir);
                throw e;
            }
            if (process != null) {
                LOG.info("started redis-server pid {} on port {} (dir {})", process.pid(), port, workDir);
                return new RedisServer(binary, workDir, port, process, extraArgs);
            }
            // Exited before serving: most likely someone took the port between FreePort and the bind. Try another.
            LOG.warn("redis-server exited before serving on port {} (attempt {} of {})", port, attempt,
                    START_ATTEMPTS);
        }
        String tail = RedisProcess.tail(log, 20);
        TempDirs.deleteRecursively(workDir);
        throw new IllegalStateException("redis-server failed to start after " + START_ATTEMPTS
                + " attempts; last lines of its log:\n" + tail);
    }

    private static RedisServer startDocker() {
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(DOCKER_IMAGE))
                .withExposedPorts(DOCKER_PORT);
        container.start();
        LOG.info("started {} container on {}:{}", DOCKER_IMAGE, container.getHost(),
                container.getMappedPort(DOCKER_PORT));
        return new RedisServer(container);
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            // A broken Docker configuration means the same as no Docker for this fallback.
            return false;
        }
    }

    /** The first executable {@code name} on PATH; package-private for {@link Chromium}. */
    static Optional<Path> findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private void requireLocal(String operation) {
        if (container != null) {
            throw new UnsupportedOperationException(operation
                    + "() needs a local redis-server process; this Redis runs in Docker (install redis-server)");
        }
    }

    /** Shutdown-hook path: no waiting, just make sure nothing is left running or on disk. */
    private void cleanUpAtShutdown() {
        if (container != null) {
            container.stop();
            return;
        }
        process.killNow();
        TempDirs.deleteRecursively(workDir);
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create " + dir, e);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while restarting redis-server", e);
        }
    }
}
