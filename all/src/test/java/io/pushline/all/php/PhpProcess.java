package io.pushline.all.php;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code php} CLI process: its exact stdout (bytes, for byte-for-byte assertions, and line by line, to
 * follow a script step by step), its stdin (to tell a script to go on) and its exit. PHP's errors go to stderr,
 * which the test's output shows, so that stdout holds only what the script prints.
 */
final class PhpProcess implements AutoCloseable {

    private static final int READ_BUFFER = 8_192;

    private final Process process;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream(); // guarded by this
    private boolean ended; // guarded by this
    private int linesTaken; // guarded by this

    private PhpProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(this::pump, "php-stdout");
        reader.setDaemon(true); // a stuck php must not keep the test JVM alive
        reader.start();
    }

    /** The {@code php} executable on {@code PATH}, if there is one. */
    static Optional<Path> executable() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path php = Path.of(dir, "php");
                if (Files.isRegularFile(php) && Files.isExecutable(php)) {
                    return Optional.of(php);
                }
            }
        }
        return Optional.empty();
    }

    /** Runs {@code php -d display_errors=stderr args...}. */
    static PhpProcess start(List<String> args) {
        List<String> command = new ArrayList<>(List.of("php", "-d", "display_errors=stderr", "-d", "log_errors=0"));
        command.addAll(args);
        try {
            return new PhpProcess(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    private void pump() {
        byte[] buffer = new byte[READ_BUFFER];
        try (InputStream in = process.getInputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                synchronized (this) {
                    stdout.write(buffer, 0, n);
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // the process is gone: what it printed so far is all there is
        } finally {
            synchronized (this) {
                ended = true;
                notifyAll();
            }
        }
    }

    /** The next line the script prints, without its {@code \n}. */
    synchronized String awaitLine(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String[] complete = stdout.toString(StandardCharsets.UTF_8).split("\n", -1);
            if (complete.length - 1 > linesTaken) { // the last element is the unterminated rest
                return complete[linesTaken++];
            }
            long left = deadline - System.nanoTime();
            if (ended || left <= 0) {
                throw new AssertionError("php printed no further line within " + timeout + (ended ? " (it exited)" : "")
                        + "; its output so far: " + shown());
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** Writes one line to the script's stdin. */
    void send(String line) {
        try {
            OutputStream in = process.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to php's stdin", e);
        }
    }

    /** Waits for a zero exit and returns everything the script printed, exactly. */
    String awaitSuccess(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("php did not exit within " + timeout + "; its output so far: " + shown());
        }
        synchronized (this) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!ended && System.nanoTime() < deadline) {
                TimeUnit.NANOSECONDS.timedWait(this, deadline - System.nanoTime());
            }
        }
        if (process.exitValue() != 0) {
            throw new AssertionError("php exited with " + process.exitValue() + "; its output: " + shown());
        }
        return output();
    }

    private synchronized String output() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    /** The output on one line, for assertion messages. */
    private String shown() {
        return "\"" + output().replace("\n", "\\n") + "\"";
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
