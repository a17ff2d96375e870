package io.pushline.bench;

import io.pushline.bench.scenario.BroadcastCommand;
import io.pushline.bench.scenario.CeilingCommand;
import io.pushline.bench.scenario.ConnectionsCommand;
import io.pushline.bench.scenario.FloorSenderCommand;
import io.pushline.bench.scenario.LatencyCommand;
import io.pushline.bench.scenario.ThroughputCommand;
import io.pushline.bench.targets.TargetsCommand;
import java.io.PrintWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar pushline-bench.jar <scenario> [options]}. Exit codes: 0 = the scenario ran and printed its
 * report; 1 = it could not run (server unreachable, clients not connected, tool missing: one line on stderr);
 * 2 = bad command line.
 */
@Command(name = "pushline-bench", mixinStandardHelpOptions = true, version = "pushline-bench 0.1.0",
    description = {
        "Load generator for the push contract: a WebSocket port where browsers connect and send their uid, and an "
            + "ingest TCP port taking one JSON line per push ({\"uid\":...}) and answering ok/fail.",
        "It speaks only that public protocol, so it measures Pushline and any other implementation (e.g. the "
            + "Workerman push.php). Each scenario prints a human summary, then exactly one JSON line on stdout; "
            + "progress goes to stderr. Client uids are bench-0, bench-1, ..."},
    subcommands = {ThroughputCommand.class, LatencyCommand.class, ConnectionsCommand.class, BroadcastCommand.class,
        CeilingCommand.class, TargetsCommand.class, FloorSenderCommand.class, CommandLine.HelpCommand.class})
public final class BenchMain implements Runnable {

  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILED = 1;
  public static final int EXIT_USAGE = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing scenario: throughput, latency, "
        + "connections, broadcast or ceiling");
  }

  public static void main(String[] args) {
    leakDetectionOffUnlessSet();
    PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    int code = execute(args, out, err);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /**
   * The generator's CPU is taken from the server it measures, on the same cores: with Netty's leak detector at its
   * default it spent 8 to 12% more per push (docs/benchmarks.md, ninth pass). Its tests track every buffer instead.
   * An explicit {@code -Dio.netty.leakDetection.level} or {@code .samplingInterval} wins. Called before any Netty
   * class loads, which reads the property once.
   */
  static void leakDetectionOffUnlessSet() {
    if (System.getProperty("io.netty.leakDetection.level") == null
        && System.getProperty("io.netty.leakDetection.samplingInterval") == null) {
      System.setProperty("io.netty.leakDetection.level", "disabled");
    }
  }

  /** Runs one command line with the given streams; returns the exit code. */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    return cl.execute(args);
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new BenchMain());
    cl.registerConverter(Duration.class, new Durations());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException ? EXIT_USAGE : EXIT_FAILED);
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      if (ex instanceof BenchException) {
        err.println("error: " + ex.getMessage());
      } else {
        err.println("error: " + ex);
        ex.printStackTrace(err);
      }
      err.flush();
      return EXIT_FAILED;
    });
    return cl;
  }
}
