package io.pushline.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running this same jar's {@link BenchMain} with other arguments: the connections scenario spreads its
 * clients over several (one process holds fewer than its open-file limit), the broadcast's floor runs its sender in
 * one. Its stderr is the generator's; its stdout is the caller's to read.
 */
public final class ChildJvm {

  private ChildJvm() {
  }

  /** Starts {@code java -Xmx<heap> -XX:+UseSerialGC -cp <this class path> BenchMain <benchArgs>}. */
  public static Process start(String heap, List<String> benchArgs) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx" + heap);
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(BenchMain.class.getName());
    cmd.addAll(benchArgs);
    try {
      return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      throw new BenchException("cannot start a child JVM (" + cmd.get(0) + "): " + e.getMessage());
    }
  }

  /** Kills the processes still running and waits up to {@code timeoutMillis} for each to be gone. */
  public static void stopAll(List<Process> procs, long timeoutMillis) {
    for (Process p : procs) {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
    for (Process p : procs) {
      try {
        p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
