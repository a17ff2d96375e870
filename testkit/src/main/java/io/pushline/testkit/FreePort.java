package io.pushline.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Finds a TCP port on 127.0.0.1 that is free right now. */
public final class FreePort {

    private FreePort() {
    }

    /**
     * Asks the kernel for an ephemeral port by binding port 0, then releases it.
     *
     * <p>The port can be taken by someone else before the caller binds it; callers that start a server on it
     * should retry with a new port when the bind fails.
     */
    public static int find() {
        try (ServerSocket socket = new ServerSocket()) {
            // SO_REUSEADDR so that closing this probe leaves no TIME_WAIT state that blocks the real server.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("could not find a free port on 127.0.0.1", e);
        }
    }
}
