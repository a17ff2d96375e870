package io.pushline.common.net;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A list of address ranges ({@code 10.0.0.0/8, 192.168.1.7, ::1/128, 2001:db8::/32}) parsed once at start.
 * Matching is Netty's {@link IpSubnetFilterRule}, so IPv4 and IPv6 both work; an IPv4-mapped IPv6 peer
 * ({@code ::ffff:10.1.2.3}) matches its IPv4 range. Addresses are parsed as literals only: no DNS lookup ever.
 */
public final class CidrSet {

    /** Matches nothing: an empty trusted-proxy list. */
    public static final CidrSet NONE = new CidrSet(List.of(), "none");
    /** Matches every address: an allow-list left at its default. */
    public static final CidrSet ANY = new CidrSet(null, "any");

    private final List<IpSubnetFilterRule> rules;
    private final String text;

    private CidrSet(List<IpSubnetFilterRule> rules, String text) {
        this.rules = rules;
        this.text = text;
    }

    /**
     * Parses a comma-separated list; blank means {@code empty}. {@code *} alone means any address.
     *
     * @throws IllegalArgumentException naming the entry that is not an address or a CIDR range
     */
    public static CidrSet parse(String list, CidrSet empty) {
        if (list == null || list.isBlank()) {
            return empty;
        }
        if (list.trim().equals("*")) {
            return ANY;
        }
        List<IpSubnetFilterRule> rules = new ArrayList<>();
        for (String entry : list.split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            int slash = e.indexOf('/');
            String ip = slash < 0 ? e : e.substring(0, slash);
            byte[] bytes = NetUtil.createByteArrayFromIpAddressString(ip);
            if (bytes == null) {
                throw new IllegalArgumentException("'" + e + "' is not an IP address or CIDR range");
            }
            int max = bytes.length * 8;
            int prefix;
            try {
                prefix = slash < 0 ? max : Integer.parseInt(e.substring(slash + 1));
            } catch (NumberFormatException x) {
                throw new IllegalArgumentException("'" + e + "' has no numeric prefix length");
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("'" + e + "' has a prefix length outside 0.." + max);
            }
            rules.add(new IpSubnetFilterRule(ip, prefix, IpFilterRuleType.ACCEPT));
        }
        return rules.isEmpty() ? empty : new CidrSet(List.copyOf(rules), String.join(",", list.trim()));
    }

    public boolean contains(InetAddress address) {
        if (rules == null) {
            return true;
        }
        InetSocketAddress socket = new InetSocketAddress(unmapped(address), 0);
        for (IpSubnetFilterRule rule : rules) {
            if (rule.matches(socket)) {
                return true;
            }
        }
        return false;
    }

    public boolean isAny() {
        return rules == null;
    }

    public boolean isEmpty() {
        return rules != null && rules.isEmpty();
    }

    /** {@code ::ffff:a.b.c.d} as the IPv4 address it carries, so an IPv4 rule matches a dual-stack peer. */
    static InetAddress unmapped(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 16) {
            for (int i = 0; i < 10; i++) {
                if (b[i] != 0) {
                    return address;
                }
            }
            if (b[10] == (byte) 0xff && b[11] == (byte) 0xff) {
                byte[] v4 = {b[12], b[13], b[14], b[15]};
                return NetUtil.createInetAddressFromIpAddressString(NetUtil.bytesToIpAddress(v4));
            }
        }
        return address;
    }

    @Override
    public String toString() {
        return text;
    }
}
