package io.pushline.gateway.auth;

/** A token was refused; the message says why, for the close reason and the debug log. Stackless: it is frequent. */
public final class InvalidTokenException extends Exception {

    private static final long serialVersionUID = 1L;

    public InvalidTokenException(String message) {
        super(message, null, false, false);
    }
}
