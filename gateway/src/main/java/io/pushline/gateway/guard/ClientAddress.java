package io.pushline.gateway.guard;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AttributeKey;
import io.netty.util.NetUtil;
import io.pushline.common.net.CidrSet;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The real client IP of a connection, which the per-IP limits count. It is the TCP peer, or the source the PROXY
 * protocol header announced, unless that peer is a trusted proxy: then it is the right-most address of
 * {@code X-Forwarded-For} that is not itself a trusted proxy (the left part of the header is whatever the client
 * wrote, so it is never believed). A header from an untrusted peer is ignored.
 */
final class ClientAddress {

    /** Set by {@link ProxyProtocolHandler} from the PROXY header, before any HTTP byte is read. */
    static final AttributeKey<InetAddress> PROXIED_SOURCE = AttributeKey.valueOf("pushline.proxied-source");
    static final String X_FORWARDED_FOR = "X-Forwarded-For";

    private ClientAddress() {
    }

    static InetAddress resolve(Channel channel, HttpHeaders headers, CidrSet trustedProxies) {
        // hasAttr first: attr() creates the attribute, which every connection would then carry for nothing.
        InetAddress peer = channel.hasAttr(PROXIED_SOURCE) ? channel.attr(PROXIED_SOURCE).get() : null;
        if (peer == null) {
            peer = ((InetSocketAddress) channel.remoteAddress()).getAddress();
        }
        if (trustedProxies.isEmpty() || !trustedProxies.contains(peer)) {
            return peer;
        }
        List<String> values = headers.getAll(X_FORWARDED_FOR);
        InetAddress client = peer;
        // Walk from the right (the hop closest to us) through trusted proxies to the first untrusted address.
        for (int v = values.size() - 1; v >= 0; v--) {
            String[] hops = values.get(v).split(",");
            for (int i = hops.length - 1; i >= 0; i--) {
                InetAddress hop = NetUtil.createInetAddressFromIpAddressString(hops[i].trim());
                if (hop == null) {
                    return client; // garbage: stop at the last address we could believe
                }
                client = hop;
                if (!trustedProxies.contains(hop)) {
                    return hop;
                }
            }
        }
        return client;
    }
}
