package io.pushline.gateway.guard;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Which web origins may open WebSockets. Browsers always send {@code Origin} with a WebSocket handshake, so a page
 * on a foreign site (cross-site WebSocket hijacking: it would ride on the user's cookies) is refused; a request
 * without {@code Origin} comes from a non-browser client, which could forge any header anyway, and is allowed.
 */
final class OriginPolicy {

    private final Set<String> allowed; // null: any

    private OriginPolicy(Set<String> allowed) {
        this.allowed = allowed;
    }

    /** Comma-separated exact origins ({@code https://app.example.com}); blank or {@code *} allows any. */
    static OriginPolicy parse(String list) {
        if (list == null || list.isBlank() || list.trim().equals("*")) {
            return new OriginPolicy(null);
        }
        Set<String> origins = Stream.of(list.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .map(OriginPolicy::normalize)
                .collect(Collectors.toUnmodifiableSet());
        for (String o : origins) {
            if (!o.startsWith("http://") && !o.startsWith("https://") || o.endsWith("/")) {
                throw new IllegalArgumentException("--allowed-origins (PUSHLINE_ALLOWED_ORIGINS): '" + o
                        + "' is not an origin like https://app.example.com (scheme, host, optional port, no path)");
            }
        }
        return new OriginPolicy(origins);
    }

    boolean allowsAny() {
        return allowed == null;
    }

    /** @param origin the request's Origin header, or null when it has none */
    boolean allows(String origin) {
        return allowed == null || origin == null || allowed.contains(normalize(origin));
    }

    /** Scheme and host are case-insensitive (RFC 6454); nothing else is rewritten. */
    private static String normalize(String origin) {
        return origin.trim().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return allowed == null ? "any" : String.join(",", allowed);
    }
}
