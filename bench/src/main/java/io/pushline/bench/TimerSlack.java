package io.pushline.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The calling thread's Linux timer slack: how late the kernel may fire the thread's timed waits so that it can group
 * wake-ups. The default is 50 µs. An open-loop sender waits on a timer before every push, and whatever its timer
 * fires late counts as latency of the server (the latency is taken from the intended send time); with the default
 * slack the sender was about 45 µs later at the median than with 1 ns (docs/benchmarks.md, fourteenth pass).
 *
 * <p>A thread may set its own slack without privileges, through {@code /proc/TID/timerslack_ns} (Linux 4.6 and later;
 * the file is under the thread's top-level {@code /proc} entry, not under {@code /proc/thread-self}, whose link gives
 * the thread id). Elsewhere the methods return -1 and change nothing.
 */
public final class TimerSlack {

  private TimerSlack() {
  }

  /** The calling thread's timer slack in nanoseconds, or -1 when this system does not say. */
  public static long current() {
    try {
      return Long.parseLong(Files.readString(ownFile(), StandardCharsets.US_ASCII).trim());
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Sets the calling thread's timer slack; {@code 0} leaves it as it is.
   *
   * @return the slack in effect afterwards, or -1 when this system does not say
   */
  public static long set(long nanos) {
    if (nanos < 0) {
      throw new IllegalArgumentException("timer slack must be >= 0 ns, not " + nanos);
    }
    if (nanos > 0) {
      try {
        // The kernel reads 0 as "the thread's default", so 0 is never written: it would undo an earlier setting.
        Files.writeString(ownFile(), Long.toString(nanos), StandardCharsets.US_ASCII);
      } catch (IOException | RuntimeException e) {
        // not Linux, or a kernel without the file: the slack stays, and current() says what it is
      }
    }
    return current();
  }

  /** {@code /proc/TID/timerslack_ns} of the calling thread: {@code /proc/thread-self} links to {@code PID/task/TID}. */
  private static Path ownFile() throws IOException {
    Path task = Files.readSymbolicLink(Path.of("/proc/thread-self"));
    return Path.of("/proc", task.getFileName().toString(), "timerslack_ns");
  }
}
