package io.pushline.common.net;

import io.netty.util.NetUtil;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CidrSetTest {

    private static InetAddress ip(String s) {
        return NetUtil.createInetAddressFromIpAddressString(s);
    }

    @Test
    void shouldMatchIpv4AndIpv6RangesAndSingleAddresses() {
        CidrSet set = CidrSet.parse("10.0.0.0/8, 192.168.1.7, 2001:db8::/32", CidrSet.NONE);
        assertTrue(set.contains(ip("10.200.3.4")));
        assertTrue(set.contains(ip("192.168.1.7")));
        assertFalse(set.contains(ip("192.168.1.8")));
        assertTrue(set.contains(ip("2001:db8:1::5")));
        assertFalse(set.contains(ip("2001:db9::1")));
        assertFalse(set.contains(ip("11.0.0.1")));
    }

    @Test
    void shouldMatchAnIpv4MappedPeerAgainstItsIpv4Range() {
        assertTrue(CidrSet.parse("10.0.0.0/8", CidrSet.NONE).contains(ip("::ffff:10.1.2.3")));
    }

    @Test
    void shouldTreatBlankAsTheGivenDefaultAndStarAsAny() {
        assertTrue(CidrSet.parse("", CidrSet.NONE).isEmpty());
        assertTrue(CidrSet.parse(" ", CidrSet.ANY).isAny());
        assertTrue(CidrSet.parse("*", CidrSet.NONE).contains(ip("8.8.8.8")));
    }

    @Test
    void shouldRefuseHostNamesAndBadPrefixesWithoutLookingThemUp() {
        assertThrows(IllegalArgumentException.class, () -> CidrSet.parse("example.com", CidrSet.NONE));
        assertThrows(IllegalArgumentException.class, () -> CidrSet.parse("10.0.0.0/33", CidrSet.NONE));
        assertThrows(IllegalArgumentException.class, () -> CidrSet.parse("10.0.0.0/x", CidrSet.NONE));
    }
}
