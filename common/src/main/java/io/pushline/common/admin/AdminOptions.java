package io.pushline.common.admin;

import io.pushline.common.config.PortOption;
import picocli.CommandLine.Option;

/** Where the admin endpoints listen. */
public final class AdminOptions {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 9090;
    /** The port value that turns the admin listener off. */
    public static final int DISABLED = -1;

    @Option(names = "--admin-host", paramLabel = "HOST", defaultValue = "${env:PUSHLINE_ADMIN_HOST:-" + DEFAULT_HOST + "}",
            description = "Address of the admin endpoints (/metrics, /health/live, /health/ready); 0.0.0.0 for a "
                    + "Prometheus server or kubelet on another host. Env: PUSHLINE_ADMIN_HOST. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--admin-port", paramLabel = "PORT", defaultValue = "${env:PUSHLINE_ADMIN_PORT:-" + DEFAULT_PORT + "}",
            description = "Admin port (0: any free port, -1: off). Env: PUSHLINE_ADMIN_PORT. Default: ${DEFAULT-VALUE}.")
    int port;

    public AdminOptions() {
    }

    public static AdminOptions of(String host, int port) {
        AdminOptions o = new AdminOptions();
        o.host = host;
        o.port = port;
        return o.validate();
    }

    public AdminOptions validate() {
        if (port != DISABLED) {
            PortOption.check(port, "--admin-port", "PUSHLINE_ADMIN_PORT");
        }
        return this;
    }

    public boolean enabled() {
        return port != DISABLED;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }
}
