package io.pushline.bench;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/** Parses durations as written on the command line: {@code 10s}, {@code 500ms}, {@code 2m}, {@code 1h}, {@code 1.5s}, {@code 10} (seconds), or ISO-8601 ({@code PT10S}). */
public final class Durations implements CommandLine.ITypeConverter<Duration> {

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  public static Duration parse(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (v.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    if (v.startsWith("pt") || v.startsWith("p")) {
      return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
    }
    int i = 0;
    while (i < v.length() && (Character.isDigit(v.charAt(i)) || v.charAt(i) == '.')) {
      i++;
    }
    if (i == 0) {
      throw new IllegalArgumentException("not a duration: '" + value + "' (examples: 10s, 500ms, 2m)");
    }
    double n = Double.parseDouble(v.substring(0, i));
    String unit = v.substring(i).trim();
    double nanos;
    switch (unit) {
      case "": case "s": case "sec": nanos = n * 1e9; break;
      case "ms": nanos = n * 1e6; break;
      case "us": nanos = n * 1e3; break;
      case "ns": nanos = n; break;
      case "m": case "min": nanos = n * 60e9; break;
      case "h": nanos = n * 3600e9; break;
      default: throw new IllegalArgumentException("unknown duration unit '" + unit + "' in '" + value + "' (use ms, s, m, h)");
    }
    return Duration.ofNanos(Math.round(nanos));
  }

  /** Human form used in summaries: {@code 1.5s}, {@code 500ms}. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 == 0) {
      return (ms / 1000) + "s";
    }
    return ms < 1000 ? ms + "ms" : String.format(Locale.ROOT, "%.3fs", ms / 1000.0);
  }

}
