package io.pushline.gateway.http;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class StaticResourcesTest {

    @Test
    void theModuleIsTheScriptFollowedByItsExportOnANewLine() {
        assertEquals("a();\nexport default globalThis.Pushline;\n", module("a();\n"));
        assertEquals("a();\nexport default globalThis.Pushline;\n", module("a();"));
    }

    @Test
    void eachFileHasItsOwnEtagAndOnlyKnownPathsResolve() {
        StaticResources resources = StaticResources.load();

        assertNotEquals(resources.find("/pushline.js").etag(), resources.find("/pushline.mjs").etag());
        assertNull(resources.find("/index.html"));
        assertNull(resources.find("/static/pushline.js"));
    }

    private static String module(String script) {
        return new String(StaticResources.asModule(script.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }
}
