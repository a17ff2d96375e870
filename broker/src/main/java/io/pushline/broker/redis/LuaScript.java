package io.pushline.broker.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A Lua script run by its SHA1 ({@code EVALSHA}), falling back to {@code EVAL} when Redis answers NOSCRIPT
 * (after a restart or {@code SCRIPT FLUSH}); the EVAL caches it again. Immutable, thread-safe.
 */
final class LuaScript {

    private final String name;
    private final String source;
    private final String sha;

    private LuaScript(String name, String source) {
        this.name = name;
        this.source = source;
        this.sha = sha1(source);
    }

    static LuaScript load(String resource) {
        try (InputStream in = LuaScript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("script " + resource + " is missing from the jar");
            }
            return new LuaScript(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs the script by its SHA, and by its source when Redis does not have it (after a restart or a SCRIPT FLUSH).
     *
     * @param written called after each command is written, to flush it (see {@link TurnFlusher})
     */
    CompletableFuture<Long> run(RedisAsyncCommands<String, byte[]> redis, Runnable written, String[] keys, byte[]... args) {
        CompletableFuture<Long> bySha = redis.<Long>evalsha(sha, ScriptOutputType.INTEGER, keys, args).toCompletableFuture();
        written.run();
        return bySha.exceptionallyCompose(e -> {
            if (!isNoScript(e)) {
                return CompletableFuture.failedFuture(e);
            }
            CompletableFuture<Long> bySource = redis.<Long>eval(source, ScriptOutputType.INTEGER, keys, args).toCompletableFuture();
            written.run();
            return bySource;
        });
    }

    private static boolean isNoScript(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return cause instanceof RedisNoScriptException;
    }

    private static String sha1(String source) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JVM", e);
        }
    }

    @Override
    public String toString() {
        return name + "@" + sha;
    }
}
