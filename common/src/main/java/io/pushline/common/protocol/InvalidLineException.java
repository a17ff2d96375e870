package io.pushline.common.protocol;

/**
 * An ingest line that is not a valid push request. Expected and frequent, so it is stackless: the reason is
 * all an operator needs, and a client sending garbage must not make the ingest pay for stack traces.
 */
public final class InvalidLineException extends Exception {

    private static final long serialVersionUID = 1L;

    /**
     * Why a line was refused; also the label of the refused-lines metric. {@code FANOUT_TOO_LARGE}: a valid line
     * whose targets times its length passes the ingest's fan-out cap (it would be published that many times).
     */
    public enum Reason {
        INVALID_UTF8, INVALID_JSON, NOT_AN_OBJECT, MISSING_UID, INVALID_UID, AMBIGUOUS_TARGET, TOO_LONG, TOO_MANY_UIDS,
        FANOUT_TOO_LARGE
    }

    private final Reason reason;

    public InvalidLineException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
