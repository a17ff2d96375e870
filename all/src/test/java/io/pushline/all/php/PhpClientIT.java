package io.pushline.all.php;

import io.pushline.all.Pages;
import io.pushline.all.ProjectRoot;
import io.pushline.all.Pushline;
import io.pushline.common.config.RedisOptions;
import io.pushline.gateway.GatewayOptions;
import io.pushline.ingest.IngestOptions;
import io.pushline.testkit.FreePort;
import io.pushline.testkit.WsClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.pushline.all.Pages.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The PHP side for real: {@code php} processes push through an embedded Pushline (in-memory broker) to a
 * WebSocket page. Skipped when {@code php} is not on {@code PATH}, unless {@code PUSHLINE_REQUIRE_PHP=1} (as in CI)
 * makes that a failure.
 */
class PhpClientIT {

    static final String HOST = "127.0.0.1";
    static final Duration PHP_RUN = Duration.ofSeconds(30);
    static final Duration QUIET = Duration.ofMillis(300);
    static final String REQUIRE_PHP = "PUSHLINE_REQUIRE_PHP";
    static final String SEED_ADDRESS = "tcp://127.0.0.1:5678";

    /** The backend code of seeds/000 ("后端推送消息的代码"), unchanged; the test only points it at its port. */
    static final String SEED_SNIPPET = """
            // 建立socket连接到内部推送端口
            $client = stream_socket_client('tcp://127.0.0.1:5678', $errno, $errmsg, 1);
            // 推送的数据，包含uid字段，表示是给这个uid推送
            $data = array('uid'=>'uid1', 'percent'=>'88%');
            // 发送数据，注意5678端口是Text协议的端口，Text协议需要在数据末尾加上换行符
            fwrite($client, json_encode($data)."\\n");
            // 读取推送结果
            echo fread($client, 8192);
            """;

    private Pushline pushline;
    private int wsPort;
    private int ingestPort;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeAll
    static void needsPhp() {
        if (PhpProcess.executable().isEmpty()) {
            String why = "php is not on PATH (on Debian: apt-get install php-cli)";
            if ("1".equals(System.getenv(REQUIRE_PHP))) {
                fail(why + ", and " + REQUIRE_PHP + "=1 requires the PHP tests to run");
            }
            assumeTrue(false, why + ": skipping the PHP client tests; set " + REQUIRE_PHP + "=1 to make this a failure");
        }
    }

    @BeforeEach
    void start() {
        pushline = Pushline.start(memoryBroker(), GatewayOptions.of(HOST, 0), IngestOptions.of(HOST, 0));
        wsPort = pushline.gateway().port();
        ingestPort = pushline.ingest().port();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
        pushline.close();
    }

    @Test
    void theSeedsSnippetGetsOkAndThePageGetsTheLineByteForByte() throws Exception {
        WsClient page = page("uid1");
        String snippet = SEED_SNIPPET.replace(SEED_ADDRESS, "tcp://" + HOST + ":" + ingestPort);
        assertTrue(snippet.contains(":" + ingestPort + "'"), "the snippet must point at the test's ingest");

        PhpProcess php = track(PhpProcess.start(List.of("-r", snippet)));

        assertEquals("ok\n", php.awaitSuccess(PHP_RUN), "fread gets the reply line, as from Workerman's Text protocol");
        assertEquals("{\"uid\":\"uid1\",\"percent\":\"88%\"}", Pages.next(page));
    }

    @Test
    void theClientPushesToOneManyAndAllAndReconnectsAfterTheServerClosedItsConnection() throws Exception {
        WsClient online = page("php-online");
        WsClient other = page("php-other");
        int closedPort = FreePort.find();
        PhpProcess php = track(PhpProcess.start(List.of(resource("php/client-scenario.php"),
                ProjectRoot.containing("clients/php/PushlineClient.php").resolve("clients/php/PushlineClient.php").toString(),
                Integer.toString(ingestPort), "php-online", "php-other", "php-offline", Integer.toString(closedPort))));

        assertEquals("push=true", php.awaitLine(WAIT));
        assertEquals("{\"uid\":\"php-online\",\"percent\":\"88%\",\"note\":\"déjà vu/½\"}", Pages.next(online),
                "unescaped unicode and slashes");
        assertEquals("pushToMany=true", php.awaitLine(WAIT));
        String many = "{\"uid\":[\"php-online\",\"php-offline\",\"php-other\"],\"n\":2}";
        assertEquals(many, Pages.next(online));
        assertEquals(many, Pages.next(other));
        assertEquals("broadcast=true", php.awaitLine(WAIT));
        assertEquals("{\"broadcast\":true,\"n\":3}", Pages.next(online));
        assertEquals("{\"broadcast\":true,\"n\":3}", Pages.next(other));
        assertEquals("offline=false", php.awaitLine(WAIT));
        assertEquals("string=true", php.awaitLine(WAIT));
        assertEquals("{\"uid\":\"php-online\",\"n\":5}", Pages.next(online), "a string payload's own newline is dropped");
        assertNull(Pages.none(other, QUIET), "pushes to one uid reach no other page");

        assertEquals("idle", php.awaitLine(WAIT));
        restartOnTheSamePorts();
        WsClient again = page("php-online");
        php.send("go");

        assertEquals("afterRestart=true", php.awaitLine(WAIT), "the client reconnects to the restarted ingest");
        assertEquals("{\"uid\":\"php-online\",\"n\":6}", Pages.next(again));
        String unreachable = php.awaitLine(WAIT);
        assertTrue(unreachable.startsWith("unreachable=PushlineClient: cannot connect to tcp://127.0.0.1:" + closedPort + " "),
                "a clear exception names the address: " + unreachable);
        php.awaitSuccess(PHP_RUN);
    }

    /** Closes Pushline (its ingest closes every connection, the PHP client's idle one too) and starts it again. */
    private void restartOnTheSamePorts() {
        pushline.close();
        pushline = Pushline.start(memoryBroker(), GatewayOptions.of(HOST, wsPort), IngestOptions.of(HOST, ingestPort));
    }

    private WsClient page(String uid) {
        return track(Pages.open(URI.create("ws://" + HOST + ":" + wsPort + "/"), uid, HOST, ingestPort));
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    private static RedisOptions memoryBroker() {
        return new RedisOptions(null, "pushline", RedisOptions.DEFAULT_PRESENCE_TTL);
    }

    private static String resource(String name) throws URISyntaxException {
        return Path.of(PhpClientIT.class.getClassLoader().getResource(name).toURI()).toString();
    }
}
