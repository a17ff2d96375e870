package io.pushline.common.config;

import java.io.FileNotFoundException;

/**
 * A service could not start. The message is the whole diagnosis in one line: what failed and where
 * ("cannot listen for WebSockets on 0.0.0.0:1234: Address already in use").
 */
public final class StartupException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "what failed: root cause", with the root cause's message stripped of native-transport noise. */
    public static StartupException of(String what, Throwable cause) {
        return new StartupException(what + ": " + rootCause(cause), cause);
    }

    static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        if (t instanceof FileNotFoundException && t.getMessage() == null) {
            // Netty's epoll transport, connecting to a unix socket whose file is not there, says nothing more.
            return "no such file";
        }
        String m = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
        // Netty's epoll transport says "bind(..) failed with error(-98): Address already in use".
        return m.replaceFirst("^\\w+\\(\\.\\.\\) failed with error\\(-?\\d+\\): ", "");
    }
}
