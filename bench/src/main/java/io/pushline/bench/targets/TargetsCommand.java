package io.pushline.bench.targets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pushline.bench.BenchException;
import io.pushline.bench.Report;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Reads the JSON lines of earlier runs and says where each of the targets stands: the median of the runs
 * that measured it, against the target, as the issue asks ("medians of 3 runs"). It runs nothing itself.
 */
@Command(name = "targets", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Where each target stands, from the JSON lines of earlier runs (medians over the runs).",
        "Reads the files given (- for stdin); takes each line that is a scenario's JSON, or an object with one "
            + "under \"result\" (as scripts that label runs write). Runs that match a target's set-up count "
            + "towards it: throughput 16 x 1 with >= 1,000 clients, throughput 4 x 64, latency at 5,000/s (neither "
            + "with --connect-per-push), connections of >= 19,000, broadcast to >= 10,000. A last row, no target, "
            + "gives throughput 16 x a connection per push with >= 1,000 clients.",
        "Throughput runs made with --server-pid (and --redis-pid) add the CPU per push, the server's, Redis's, "
            + "the generator's and the whole machine's, and for a target how many cores its rate takes at that cost.",
        "With --seed, the same scenarios run against the seed's design (bench/seed/push.php) in the same runs: "
            + "the table gains their medians and Pushline's ratio to them.",
        "Prints a table and one JSON line {\"scenario\":\"targets\",...}. Exit 0 whatever the status: the table "
            + "is the answer."})
public final class TargetsCommand implements Callable<Integer> {

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "JSON-lines files, or - for stdin.")
  List<String> files;

  @Option(names = "--min-runs", defaultValue = "3", paramLabel = "N",
      description = "Runs a target needs before it gets a status; fewer say 'too few runs' (default: "
          + "${DEFAULT-VALUE}).")
  int minRuns;

  @Option(names = "--seed", paramLabel = "FILE",
      description = "JSON-lines files of the same scenarios run against bench/seed/push.php (bench/targets.sh "
          + "writes them to OUT_DIR/seed.jsonl).")
  List<String> seedFiles = List.of();

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    List<JsonNode> results = new ArrayList<>();
    for (String file : files) {
      results.addAll(read(file));
    }
    List<JsonNode> seedResults = new ArrayList<>();
    for (String file : seedFiles) {
      seedResults.addAll(read(file));
    }
    boolean withSeed = !seedFiles.isEmpty();
    Report report = new Report("targets");
    report.line(withSeed ? "| target | runs | medians | status | the seed in the same runs |"
        : "| target | runs | medians | status |");
    report.line(withSeed ? "| --- | --- | --- | --- | --- |" : "| --- | --- | --- | --- |");
    ObjectNode rows = report.json().putObject("targets");
    for (Target target : Target.values()) {
      List<JsonNode> runs = results.stream().filter(target::measures).toList();
      Target.Verdict v = target.judge(runs, minRuns);
      ObjectNode row = rows.putObject(target.name());
      row.put("runs", target.runsIn(runs));
      row.put("medians", v.medians());
      row.put("status", v.status());
      if (!withSeed) {
        report.line("| %s | %d | %s | %s |", target.description(), target.runsIn(runs), v.medians(), v.status());
        continue;
      }
      String seed = target.againstSeed(runs, seedResults.stream().filter(target::measures).toList());
      row.put("seed", seed);
      report.line("| %s | %d | %s | %s | %s |", target.description(), target.runsIn(runs), v.medians(), v.status(),
          seed);
    }
    report.json().put("results", results.size());
    PrintWriter out = spec.commandLine().getOut();
    report.print(out, false);
    return 0;
  }

  /** The scenario results in a file: its lines that are one, or that hold one under "result". */
  static List<JsonNode> read(String file) {
    List<JsonNode> found = new ArrayList<>();
    try (BufferedReader r = "-".equals(file)
        ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
        : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        line = line.strip();
        if (!line.startsWith("{")) {
          continue; // a report's human lines
        }
        JsonNode node = Report.MAPPER.readTree(line);
        JsonNode result = node.has("scenario") ? node : node.path("result");
        if (result.hasNonNull("scenario")) {
          found.add(result);
        }
      }
    } catch (IOException e) {
      throw new BenchException("cannot read " + file + ": " + e.getMessage());
    }
    return found;
  }
}
