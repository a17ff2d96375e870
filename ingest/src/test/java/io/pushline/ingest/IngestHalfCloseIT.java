package io.pushline.ingest;

import io.pushline.broker.redis.RedisBroker;
import io.pushline.common.config.RedisOptions;
import io.pushline.common.redis.RedisNames;
import io.pushline.testkit.RedisServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A client that shuts its output down after its lines, through a real Redis, whose answers come after the FIN has
 * been read: PHP's {@code stream_socket_shutdown($c, STREAM_SHUT_WR)} then {@code fread}. The seed answers it; the
 * ingest closed the connection on the FIN and the replies were lost, though the lines were published.
 */
class IngestHalfCloseIT {

    private static final String HOST = "127.0.0.1";

    @Test
    void aClientThatShutsItsOutputAfterItsLinesGetsEveryReplyInOrderThenTheClose() throws Exception {
        String prefix = "half";
        RedisNames names = new RedisNames(prefix);
        try (RedisServer server = RedisServer.start()) {
            // "online" as a gateway would make it: a presence entry far in the future and a subscriber on its channel.
            server.command("ZADD", names.presenceKey("online"), "99999999999999", "test-node");
            RedisOptions redis = new RedisOptions(server.uri(), prefix, Duration.ofSeconds(30));
            try (Closeable page = server.subscribe(names.userChannel("online"));
                 IngestServer ingest = new IngestServer(IngestOptions.of(HOST, 0), loops -> RedisBroker.publisher(redis, "half-it", loops));
                 Socket php = new Socket()) {
                php.connect(new InetSocketAddress(HOST, ingest.port()), 2_000);
                php.getOutputStream().write(("{\"uid\":\"online\",\"m\":1}\n{\"uid\":\"nobody\"}\nnot json\n{\"uid\":\"online\",\"m\":2}\n"
                        + "{\"uid\":\"online\",\"m\":\"half").getBytes(StandardCharsets.UTF_8));
                php.shutdownOutput();

                assertEquals("ok\nfail\nfail\nok\n", readToEof(php), "every complete line answered in order, then the close");
                Awaitility.await("the connection is uncounted").atMost(Duration.ofSeconds(5))
                        .until(() -> ingest.connections().open() == 0);
                assertEquals(2, ingest.stats().okCount(), "the half line after the last newline was never published");
            }
        }
    }

    private static String readToEof(Socket s) throws Exception {
        s.setSoTimeout(5_000);
        InputStream in = s.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) >= 0) {
            got.write(buf, 0, n);
        }
        return got.toString(StandardCharsets.US_ASCII);
    }
}
