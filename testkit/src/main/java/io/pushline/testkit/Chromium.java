package io.pushline.testkit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real headless Chromium for browser tests: Debian's {@code chromium} as a child process with a fresh profile,
 * reachable over the DevTools protocol at {@link #devToolsUri()}. One job: start and stop the browser; speaking
 * the protocol is the caller's.
 *
 * <p>When no Chromium is installed, {@link #start()} skips the calling test (a JUnit assumption) with a message
 * that says how to install it, except when {@value #REQUIRE_ENV}=1 is set (CI), where a missing browser fails.
 */
public final class Chromium implements AutoCloseable {

    /** Set to 1 where a skipped browser test would hide a broken build (CI installs the browser). */
    public static final String REQUIRE_ENV = "PUSHLINE_REQUIRE_BROWSER";
    private static final List<String> BINARIES = List.of("chromium", "chromium-browser", "google-chrome");
    /** Debian's {@code /usr/bin/chromium} is a wrapper script; a cold first start on a busy machine is slow. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);
    private static final int KEPT_LINES = 500;
    private static final int TAIL_LINES_IN_ERRORS = 30;
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
    /**
     * Headless, no sandbox (tests run as root in containers), nothing that talks to the network on its own
     * (updates, sync, QUIC probes) so the only traffic is the test's, and {@code /tmp} instead of a small
     * {@code /dev/shm}. Port 0: the browser picks a free DevTools port and prints it.
     */
    private static final List<String> FLAGS = List.of(
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-quic", "--no-default-browser-check", "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0");

    private final Process process;
    private final Path profile;
    private final LineCapture output = new LineCapture(KEPT_LINES);
    private final Runnable emergencyCleanup;
    private URI devTools;
    private boolean closed;

    private Chromium(Process process, Path profile) {
        this.process = process;
        this.profile = profile;
        this.emergencyCleanup = () -> {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        };
        Reaper.register(emergencyCleanup);
        Thread reader = new Thread(this::pump, "chromium-" + process.pid() + "-output");
        // Daemon: a browser that never closes its output must not keep the test JVM alive.
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts a browser with a fresh, temporary profile and waits until its DevTools endpoint listens.
     *
     * @throws org.opentest4j.TestAbortedException when no Chromium is installed and {@value #REQUIRE_ENV} is not 1
     * @throws AssertionError when the browser is required but missing, or did not come up (with its output tail)
     */
    public static Chromium start() {
        Optional<Path> binary = BINARIES.stream().map(RedisServer::findOnPath).flatMap(Optional::stream).findFirst();
        if (binary.isEmpty()) {
            String why = "no Chromium on PATH (looked for " + String.join(", ", BINARIES)
                    + "); install it with apt-get install -y chromium";
            if ("1".equals(System.getenv(REQUIRE_ENV))) {
                Assertions.fail(why + " (" + REQUIRE_ENV + "=1: browser tests must run here)");
            }
            Assumptions.abort("browser test skipped: " + why);
        }
        Path profile;
        try {
            profile = Files.createTempDirectory("pushline-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a Chromium profile folder", e);
        }
        List<String> command = new ArrayList<>();
        command.add(binary.get().toString());
        command.addAll(FLAGS);
        command.add("--user-data-dir=" + profile);
        command.add("about:blank");
        Chromium browser;
        try {
            browser = new Chromium(new ProcessBuilder(command).redirectErrorStream(true).start(), profile);
        } catch (IOException e) {
            TempDirs.deleteRecursively(profile);
            throw new UncheckedIOException("could not start " + binary.get(), e);
        }
        try {
            browser.devTools = URI.create(browser.awaitDevTools());
            return browser;
        } catch (RuntimeException | Error e) {
            browser.close();
            throw e;
        }
    }

    /** The browser-wide DevTools WebSocket, {@code ws://127.0.0.1:<port>/devtools/browser/<id>}. */
    public URI devToolsUri() {
        return devTools;
    }

    public long pid() {
        return process.pid();
    }

    /** Stops the browser and every process it started, then deletes its profile. Safe to call twice. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Collect the children first: once the parent is gone they are re-parented and harder to find.
        List<ProcessHandle> family = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            family.forEach(ProcessHandle::destroyForcibly);
            Reaper.unregister(emergencyCleanup);
            TempDirs.deleteRecursively(profile);
        }
    }

    @Override
    public String toString() {
        return "Chromium[pid " + process.pid() + ", " + devTools + "]";
    }

    private String awaitDevTools() {
        String line;
        try {
            line = output.await(LISTENING, START_TIMEOUT.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for Chromium to start", e);
        }
        if (line == null) {
            String why = output.ended() ? "exited" : "printed no DevTools endpoint within " + START_TIMEOUT;
            throw new AssertionError("Chromium (pid " + process.pid() + ") " + why + "; output tail:\n" + tail());
        }
        Matcher m = LISTENING.matcher(line);
        m.find();
        return m.group(1);
    }

    private void pump() {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                // Kept, not echoed: headless Chromium logs harmless D-Bus complaints on every start.
                output.add(line);
            }
        } catch (IOException e) {
            // The pipe breaks when the browser is stopped: that is the end of its output.
        } finally {
            output.end();
        }
    }

    private String tail() {
        List<String> lines = List.of(output.text().split("\n", -1));
        return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES_IN_ERRORS), lines.size()));
    }
}
