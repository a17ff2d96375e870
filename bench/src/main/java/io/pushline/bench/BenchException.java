package io.pushline.bench;

/**
 * A run that cannot go on (server unreachable, clients not connected in time, tool missing...). The CLI prints
 * its message as one line on stderr, prefixed by {@code error: }, and exits with {@link BenchMain#EXIT_FAILED}.
 */
public final class BenchException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BenchException(String message) {
    super(message);
  }

  public BenchException(String message, Throwable cause) {
    super(message, cause);
  }
}
