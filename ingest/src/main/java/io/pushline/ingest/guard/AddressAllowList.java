package io.pushline.ingest.guard;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ipfilter.AbstractRemoteAddressFilter;
import io.pushline.common.net.CidrSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;

/** Closes a connection from outside {@code --ingest-allow} as soon as it is accepted, before reading a byte. */
@ChannelHandler.Sharable
final class AddressAllowList extends AbstractRemoteAddressFilter<InetSocketAddress> {

    private static final Logger log = LoggerFactory.getLogger(AddressAllowList.class);

    private final CidrSet allowed;
    private final IngestGuardStats stats;

    AddressAllowList(CidrSet allowed, IngestGuardStats stats) {
        this.allowed = allowed;
        this.stats = stats;
    }

    @Override
    protected boolean accept(ChannelHandlerContext ctx, InetSocketAddress remote) {
        return allowed.contains(remote.getAddress());
    }

    @Override
    protected io.netty.channel.ChannelFuture channelRejected(ChannelHandlerContext ctx, InetSocketAddress remote) {
        stats.addressRefused();
        log.debug("ingest: refused a connection from {}: not in --ingest-allow {}", remote, allowed);
        return null; // the filter closes the channel itself
    }
}
