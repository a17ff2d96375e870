package io.pushline.common.config;

/**
 * A service could not start. The message is the whole diagnosis in one line: what failed and where
 * ("cannot listen for WebSockets on 0.0.0.0:1234: Address already in use").
 */
public final class StartupException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
