package io.pushline.gateway.session;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static io.pushline.gateway.session.OnePageGateway.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A connection binds one uid, whatever order its events come in. Netty passes frames on from the moment it wrote
 * the 101, and tells of the upgrade only once that write completes: when the 101 waits in a full buffer, a uid
 * frame sent right behind the upgrade request binds first, and the upgrade's {@code ?uid=} arrives second. That
 * second bind overwrote the first, which stayed bound (subscribed, online) after the connection closed.
 */
class OneUidPerConnectionIT {

    @Test
    void anUpgradeToldOfAfterTheUidIsBoundBindsNothingMoreAndTheCloseLeavesNothingBehind() throws Exception {
        try (OnePageGateway g = new OnePageGateway(OnePageGateway.options(), "first", 0)) {
            Channel ch = g.channel;
            // The upgrade's event, as Netty fires it, arriving after the connection's uid is bound.
            ch.eventLoop().submit(() -> ch.pipeline().fireUserEventTriggered(
                    new HandshakeComplete("/?uid=second", new DefaultHttpHeaders(), null))).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(1, g.sessions().connections());
            assertEquals(1, g.sessions().uids());

            g.page.close();

            Awaitility.await("nothing left bound").atMost(WAIT)
                    .until(() -> g.sessions().connections() == 0 && g.sessions().uids() == 0);
        }
    }
}
