package io.pushline.all.deploy;

import io.pushline.all.ProjectRoot;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/configuration.md documents every setting of every runnable jar: a row per flag, with its variable and the
 * code's default, under a heading that names each jar having it. A setting added to the code without its row, or
 * a default changed in one place only, fails here.
 */
class ConfigurationDocTest {

    static final String DOC = "docs/configuration.md";
    static final int DEFAULT_COLUMN = 3; // | flag | variable | default | ...: cell 0 is before the first bar

    static List<String> lines;
    static Path root;

    @BeforeAll
    static void read() throws IOException {
        root = ProjectRoot.containing(DOC);
        lines = Files.readAllLines(root.resolve(DOC));
    }

    @Test
    void everySettingHasARowWithItsVariableAndDefaultUnderItsJarsHeading() {
        List<String> problems = new ArrayList<>();
        for (RunnableJars.Jar jar : RunnableJars.read(root).values()) {
            for (OptionSpec option : jar.settings()) {
                String flag = option.longestName();
                int row = rowOf(flag);
                if (row < 0) {
                    problems.add(jar.fileName() + " " + flag + ": no table row starting with `" + flag + "`");
                    continue;
                }
                String[] cells = lines.get(row).split("\\|");
                String env = RunnableJars.envVar(option);
                if (!lines.get(row).contains("`" + env + "`")) {
                    problems.add(flag + ": its row does not name `" + env + "`");
                }
                String codeDefault = RunnableJars.defaultOf(option);
                if (!codeDefault.isEmpty() && !cells[DEFAULT_COLUMN].contains("`" + codeDefault + "`")) {
                    problems.add(flag + ": the code's default is `" + codeDefault + "`, the row says" + cells[DEFAULT_COLUMN]);
                }
                String heading = headingAbove(row);
                if (!heading.contains("`" + jar.fileName() + "`")) {
                    problems.add(flag + " is a setting of " + jar.fileName() + ", but its row's heading does not name it: " + heading);
                }
            }
        }
        assertEquals(List.of(), problems, DOC + " is out of step with the code");
    }

    @Test
    void theDocumentNamesEveryJar() {
        for (String jar : RunnableJars.read(root).keySet()) {
            assertTrue(lines.stream().anyMatch(l -> l.contains("`" + jar + "`")), DOC + " never names " + jar);
        }
    }

    private static int rowOf(String flag) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("| `" + flag + "` |")) {
                return i;
            }
        }
        return -1;
    }

    private static String headingAbove(int row) {
        for (int i = row; i >= 0; i--) {
            if (lines.get(i).startsWith("## ")) {
                return lines.get(i);
            }
        }
        return "(no heading)";
    }
}
