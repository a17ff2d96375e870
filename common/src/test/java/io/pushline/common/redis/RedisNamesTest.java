package io.pushline.common.redis;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RedisNamesTest {

    private final RedisNames names = new RedisNames("pushline");

    @Test
    void aUidsChannelAndPresenceKeyShareItsHashTag() {
        assertEquals("pushline:user:{uid1}", names.userChannel("uid1"));
        assertEquals("pushline:presence:{uid1}", names.presenceKey("uid1"));
        assertEquals(hashTag(names.userChannel("u:42")), hashTag(names.presenceKey("u:42")));
    }

    private static String hashTag(String name) {
        int open = name.indexOf('{');
        return name.substring(open + 1, name.indexOf('}', open));
    }

    @Test
    void theUidOfAChannelIsReadBack() {
        assertEquals("uid1", names.uidOfUserChannel(names.userChannel("uid1")));
        assertNull(names.uidOfUserChannel(names.broadcastChannel()));
        assertNull(names.uidOfUserChannel("other:user:{uid1}"));
        assertNull(names.uidOfUserChannel("pushline:user:{bad uid}"));
    }

    @Test
    void thePrefixSeparatesDeployments() {
        assertEquals("test-1:broadcast", new RedisNames("test-1").broadcastChannel());
        assertEquals("test-1:presence:*", new RedisNames("test-1").presenceKeyPattern());
    }

    @Test
    void aPrefixThatCouldBreakAHashTagOrAPatternIsRefused() {
        for (String bad : new String[] {"", "a{b", "a}", "a*", "a b"}) {
            assertThrows(IllegalArgumentException.class, () -> new RedisNames(bad), bad);
        }
    }
}
