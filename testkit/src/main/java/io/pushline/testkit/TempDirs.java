package io.pushline.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Deletes the temporary folders the testkit creates. */
final class TempDirs {

    private TempDirs() {
    }

    /** Deletes a folder and everything in it; best effort, because a leftover temp file must not fail a test. */
    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException ignored) {
                    // best effort: see the method comment
                }
            });
        } catch (IOException ignored) {
            // best effort: see the method comment
        }
    }
}
