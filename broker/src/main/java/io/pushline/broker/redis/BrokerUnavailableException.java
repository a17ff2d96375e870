package io.pushline.broker.redis;

/** Redis cannot be reached at start; the message names the URL (password masked) and the cause. */
public final class BrokerUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BrokerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
