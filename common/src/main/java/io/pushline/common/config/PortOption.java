package io.pushline.common.config;

/** Port and address checks shared by every listener's options. */
public final class PortOption {

    private PortOption() {
    }

    /** Port 0 means "any free port", which tests use; the bound port is logged at start. */
    public static int check(int port, String option, String env) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException(option + " (" + env + ") must be 0..65535, got " + port);
        }
        return port;
    }

    public static int checkPositive(int value, String option, String env) {
        if (value <= 0) {
            throw new IllegalArgumentException(option + " (" + env + ") must be positive, got " + value);
        }
        return value;
    }
}
