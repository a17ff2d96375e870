package io.pushline.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A Java main class running in its own JVM, for tests where a process must really die (SIGKILL, SIGTERM) or
 * really exit.
 *
 * <p>The child gets this JVM's class path, so any main class visible to the test can be launched. Its stdout and
 * stderr are merged, kept in memory (last 2,000 lines) and echoed to this JVM's stderr with a {@code [Name] } prefix
 * so that a failing test's log shows what the child said.
 */
public final class JavaProcess implements AutoCloseable {

    private static final int KEPT_LINES = 2_000;
    private static final int TAIL_LINES_IN_ERRORS = 40;
    /** How long to wait for the reader to drain the pipe after the process exited, so output() is complete. */
    private static final long READER_DRAIN_MILLIS = 2_000;

    private final String name;
    private final Process process;
    private final LineCapture output = new LineCapture(KEPT_LINES);
    private final Thread reader;
    private final Runnable emergencyCleanup;

    private JavaProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.emergencyCleanup = this::killTree;
        Reaper.register(emergencyCleanup);
        this.reader = new Thread(this::pump, "java-process-" + name + "-output");
        // Daemon: a child that never closes its output must not keep the test JVM alive.
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /**
     * Runs {@code <java.home>/bin/java -cp <this class path> -Xmx256m mainClass args...} with {@code env} added to
     * this JVM's environment.
     */
    public static JavaProcess start(String mainClass, List<String> args, Map<String, String> env) {
        return start(mainClass, List.of("-Xmx256m"), args, env);
    }

    /** As {@link #start(String, List, Map)}, with the child's JVM options (heap size, say) instead of the default. */
    public static JavaProcess start(String mainClass, List<String> jvmOptions, List<String> args, Map<String, String> env) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.addAll(jvmOptions);
        // The child's output is decoded as UTF-8 here, so make it encode UTF-8 whatever the machine's locale is.
        command.add("-Dfile.encoding=UTF-8");
        command.add("-Dsun.stdout.encoding=UTF-8");
        command.add("-Dsun.stderr.encoding=UTF-8");
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        try {
            return new JavaProcess(simpleName(mainClass), builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start a JVM for " + mainClass, e);
        }
    }

    /**
     * Waits until an output line contains a match of {@code pattern} ({@link java.util.regex.Matcher#find()}) and
     * returns that line. Lines printed before the call count: the first kept matching line is returned.
     *
     * @throws AssertionError on timeout, or at once if the process closed its output without printing a match;
     *     the message holds the output's tail
     */
    public String awaitLine(Pattern pattern, Duration timeout) {
        String line;
        try {
            line = output.await(pattern, timeout.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for /" + pattern + "/ from " + name, e);
        }
        if (line == null) {
            String why = output.ended() ? "output ended (process exited?) without" : "no line within " + timeout
                    + " matched";
            throw new AssertionError(name + " (pid " + pid() + "): " + why + " /" + pattern + "/; output tail:\n"
                    + tail());
        }
        return line;
    }

    /** SIGKILL the process (and any children it started), then wait for it to exit. */
    public void kill() {
        killTree();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + name + " to die", e);
        }
        drainReader();
    }

    /**
     * SIGSTOP: the process freezes with every socket open, as a node does in a long GC pause, a hung VM or a
     * partition; nothing it holds is closed. {@link #kill()} and {@link #close()} still work on a frozen process.
     */
    public void freeze() {
        signal("STOP");
    }

    /** SIGCONT, after {@link #freeze()}. */
    public void thaw() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + name + " " + pid(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + this.name, e);
        }
    }

    /** SIGTERM: the JVM runs its shutdown hooks and exits. Does not wait; see {@link #awaitExit(Duration)}. */
    public void terminate() {
        // Process.destroy() would also close our end of the child's stdout, losing what its shutdown hooks print.
        process.toHandle().destroy();
    }

    /**
     * Waits for the process to exit and returns its exit code (143 after SIGTERM, 137 after SIGKILL).
     *
     * @throws AssertionError on timeout, with the output's tail
     */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new AssertionError(name + " (pid " + pid() + ") did not exit within " + timeout
                        + "; output tail:\n" + tail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + name + " to exit", e);
        }
        drainReader();
        return process.exitValue();
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The captured output (last 2,000 lines), stdout and stderr merged. */
    public String output() {
        return output.text();
    }

    /** Kills the process if it is still alive. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                kill();
            }
        } finally {
            Reaper.unregister(emergencyCleanup);
        }
    }

    @Override
    public String toString() {
        return "JavaProcess[" + name + ", pid " + pid() + "]";
    }

    private void killTree() {
        // Children first: once the parent is gone they would be re-parented and harder to find.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        // Through the ProcessHandle, like terminate(): Process.destroyForcibly() would also close our end of the
        // output pipe at once, and the reader could lose the last lines the child printed before it died.
        process.toHandle().destroyForcibly();
    }

    private void pump() {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                output.add(line);
                System.err.println("[" + name + "] " + line);
            }
        } catch (IOException e) {
            // The pipe breaks when the process is killed; that is the end of its output, not an error.
        } finally {
            output.end();
        }
    }

    /** After the exit the pipe closes; give the reader a moment to hand over the last lines. */
    private void drainReader() {
        try {
            reader.join(READER_DRAIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String tail() {
        String text = output.text();
        String[] lines = text.split("\n", -1);
        if (lines.length <= TAIL_LINES_IN_ERRORS) {
            return text;
        }
        return String.join("\n", List.of(lines).subList(lines.length - TAIL_LINES_IN_ERRORS, lines.length));
    }

    private static String simpleName(String mainClass) {
        String name = mainClass.substring(mainClass.lastIndexOf('.') + 1);
        return name.substring(name.lastIndexOf('$') + 1);
    }
}
