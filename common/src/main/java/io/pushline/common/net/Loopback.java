package io.pushline.common.net;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Whether a listener's bind address is reachable only from this machine. */
public final class Loopback {

    private Loopback() {
    }

    /** True for 127.0.0.0/8, ::1 and names resolving to them ({@code localhost}); false for 0.0.0.0 and the rest. */
    public static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false; // the bind will fail with its own clear message
        }
    }
}
