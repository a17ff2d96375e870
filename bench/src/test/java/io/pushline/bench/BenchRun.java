package io.pushline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/** Runs the CLI in-process and captures what it printed. */
record BenchRun(int exitCode, String out, String err) {

  static BenchRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = BenchMain.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new BenchRun(code, out.toString(), err.toString());
  }

  /** The lines of stdout starting with '{'. */
  List<String> jsonLines() {
    List<String> l = new ArrayList<>();
    for (String s : out.split("\\R")) {
      if (s.startsWith("{")) {
        l.add(s);
      }
    }
    return l;
  }

  /** The one JSON line, parsed; fails unless there is exactly one. */
  JsonNode json() {
    List<String> l = jsonLines();
    if (l.size() != 1) {
      throw new AssertionError("expected exactly one JSON line, got " + l.size() + "\nstdout:\n" + out
          + "\nstderr:\n" + err);
    }
    try {
      return Report.MAPPER.readTree(l.get(0));
    } catch (Exception e) {
      throw new AssertionError("bad JSON line: " + l.get(0), e);
    }
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\nstdout:\n" + out + "\nstderr:\n" + err;
  }
}
