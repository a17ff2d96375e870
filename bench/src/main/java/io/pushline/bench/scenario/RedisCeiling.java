package io.pushline.bench.scenario;

import io.pushline.bench.BenchException;
import io.pushline.bench.RedisEndpoint;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code redis-benchmark ... --csv PUBLISH <channel> <payload>} and reads its requests/s: the rate at which
 * this Redis accepts PUBLISH commands of the push size at a given concurrency, i.e. the ceiling of any push
 * server that does one PUBLISH per push. The channel has no subscribers, so this is Redis's request-handling
 * ceiling, not a fan-out measurement.
 */
final class RedisCeiling {

  /** The parsed CSV row. */
  record Result(double requestsPerSecond, double avgLatencyMs, double p50LatencyMs, double p99LatencyMs,
      List<String> command) {
  }

  private RedisCeiling() {
  }

  static Result run(String executable, RedisEndpoint redis, int concurrency, int pipeline, long requests,
      int payloadBytes, String channel, Duration timeout) {
    String exe = resolve(executable);
    redis.checkReachable(5000);
    char[] payload = new char[Math.max(1, payloadBytes)];
    Arrays.fill(payload, 'x');
    List<String> cmd = new ArrayList<>(List.of(exe));
    cmd.addAll(redis.cliArguments());
    cmd.addAll(List.of("-c", String.valueOf(concurrency), "-P", String.valueOf(pipeline), "-n", String.valueOf(requests),
        "--csv", "PUBLISH", channel, new String(payload)));
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new BenchException("cannot start " + exe + ": " + e.getMessage());
    }
    try {
      p.getOutputStream().close();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      Thread reader = new Thread(() -> copy(p.getInputStream(), buf), "redis-benchmark-stdout");
      reader.setDaemon(true);
      reader.start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new BenchException("redis-benchmark against " + redis + " did not finish within "
            + timeout.toSeconds() + " s (lower --ceiling-requests / --requests)");
      }
      reader.join(5000);
      String output;
      synchronized (buf) {
        output = buf.toString(StandardCharsets.UTF_8);
      }
      if (p.exitValue() != 0) {
        throw new BenchException("redis-benchmark against " + redis + " exited with " + p.exitValue() + ": "
            + firstLine(output));
      }
      return parseCsv(output, cmd);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted while running redis-benchmark");
    } catch (IOException e) {
      throw new BenchException("redis-benchmark: " + e.getMessage());
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
        try {
          p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** Parses redis-benchmark's {@code --csv} output: a header row, then one row per test. */
  static Result parseCsv(String output, List<String> cmd) {
    List<String> header = null;
    for (String raw : output.split("\\R")) {
      String line = raw.trim();
      if (line.isEmpty()) {
        continue;
      }
      List<String> cells = cells(line);
      if (header == null) {
        if (cells.contains("rps")) {
          header = cells;
        }
        continue;
      }
      if (cells.size() != header.size()) {
        continue;
      }
      return new Result(num(cells, header, "rps"), num(cells, header, "avg_latency_ms"),
          num(cells, header, "p50_latency_ms"), num(cells, header, "p99_latency_ms"), cmd);
    }
    throw new BenchException("could not read requests/s from redis-benchmark output: " + firstLine(output));
  }

  private static double num(List<String> cells, List<String> header, String name) {
    int i = header.indexOf(name);
    if (i < 0) {
      return -1;
    }
    try {
      return Double.parseDouble(cells.get(i));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static List<String> cells(String line) {
    List<String> out = new ArrayList<>();
    for (String c : line.split(",", -1)) {
      String v = c.trim();
      if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
        v = v.substring(1, v.length() - 1);
      }
      out.add(v);
    }
    return out;
  }

  private static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    String l = nl < 0 ? t : t.substring(0, nl);
    return l.isEmpty() ? "(no output)" : l;
  }

  private static void copy(InputStream in, ByteArrayOutputStream buf) {
    byte[] b = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(b)) > 0) {
        synchronized (buf) {
          buf.write(b, 0, n);
        }
      }
    } catch (IOException ignored) {
      // process ended
    }
  }

  /** The executable as a path: itself when it holds a '/', else the first match on PATH. */
  static String resolve(String executable) {
    if (executable.indexOf('/') >= 0) {
      if (new File(executable).canExecute()) {
        return executable;
      }
      throw new BenchException(executable + " is not an executable file");
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        File f = new File(dir.isEmpty() ? "." : dir, executable);
        if (f.isFile() && f.canExecute()) {
          return f.getPath();
        }
      }
    }
    throw new BenchException(executable + " not found on PATH (Debian/Ubuntu: apt-get install redis-tools)");
  }
}
