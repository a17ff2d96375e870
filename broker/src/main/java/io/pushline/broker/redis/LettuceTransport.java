package io.pushline.broker.redis;

import io.pushline.common.netty.Transport;

/**
 * Points Lettuce at the node's transport, so that its connections can run on the node's own loops
 * ({@link BorrowedLoop}). Lettuce picks its socket layer once per process, from two system properties it reads the
 * first time it looks for a native transport (its first client), and prefers epoll whenever both epoll and io_uring load (warning each time it looks). So a node on
 * io_uring turns Lettuce's epoll off, and a node on epoll turns Lettuce's io_uring off, which also silences that
 * warning. A property the operator set is left alone.
 *
 * <p>One exception: Lettuce reaches a unix socket ({@code redis-socket://}) only through epoll, so an io_uring node
 * keeps Lettuce on epoll there, and Lettuce then runs on threads of its own ({@link BorrowedLoop} falls back).
 */
final class LettuceTransport {

    static final String EPOLL = "io.lettuce.core.epoll";
    static final String IO_URING = "io.lettuce.core.iouring";

    private LettuceTransport() {
    }

    /** Call before Lettuce's first connection in this process; later calls change nothing Lettuce has read. */
    static void follow(Transport node, boolean unixSocket) {
        boolean epoll = node == Transport.EPOLL || unixSocket;
        boolean ioUring = node == Transport.IO_URING && !unixSocket;
        setUnlessSet(EPOLL, epoll);
        setUnlessSet(IO_URING, ioUring);
    }

    private static void setUnlessSet(String key, boolean value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, Boolean.toString(value));
        }
    }
}
