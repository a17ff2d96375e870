package io.pushline.all;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository's root from wherever Maven runs a test (the module folder or the root itself). */
public final class ProjectRoot {

    private ProjectRoot() {
    }

    /** The nearest folder, from {@code user.dir} upwards, that holds {@code marker} (a path relative to it). */
    public static Path containing(String marker) {
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(marker))) {
                return dir;
            }
        }
        throw new AssertionError("no folder from " + start + " upwards holds " + marker);
    }
}
