package io.pushline.all.deploy;

import org.w3c.dom.Document;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The runnable jars as the build makes them: each one's file name ({@code <finalName>}) and main class
 * ({@code main.class}) read from its module's pom, and its settings read from the picocli command of that main
 * class. Deployment files and docs are checked against this, so renaming a jar or a flag breaks those tests.
 */
final class RunnableJars {

    /** Modules whose shaded jar is a service; the others are libraries, test support or tools. */
    static final List<String> MODULES = List.of("all", "gateway", "ingest");

    private static final Pattern ENV_DEFAULT = Pattern.compile("\\$\\{env:(PUSHLINE_[A-Z0-9_]+)");

    /** One runnable jar. */
    record Jar(String module, String fileName, CommandSpec spec) {

        /** The options an operator sets, without {@code --help} and {@code --version}. */
        List<OptionSpec> settings() {
            return spec.options().stream().filter(o -> !o.usageHelp() && !o.versionHelp()).toList();
        }

        Set<String> flags() {
            Set<String> flags = new TreeSet<>();
            settings().forEach(o -> flags.addAll(List.of(o.names())));
            return flags;
        }

        Set<String> envVars() {
            Set<String> vars = new TreeSet<>();
            settings().forEach(o -> vars.add(envVar(o)));
            return vars;
        }
    }

    private RunnableJars() {
    }

    /** The runnable jars of the project at {@code root}, keyed by file name ({@code pushline-gateway.jar}). */
    static Map<String, Jar> read(Path root) {
        Map<String, Jar> jars = new LinkedHashMap<>();
        for (String module : MODULES) {
            Path pom = root.resolve(module).resolve("pom.xml");
            String finalName = xpath(pom, "//finalName");
            String mainClass = xpath(pom, "/project/properties/main.class");
            jars.put(finalName + ".jar", new Jar(module, finalName + ".jar", spec(mainClass)));
        }
        return jars;
    }

    /** The variable in an option's {@code ${env:PUSHLINE_X:-default}} default. */
    static String envVar(OptionSpec option) {
        Matcher m = ENV_DEFAULT.matcher(rawDefault(option));
        if (!m.find()) {
            throw new AssertionError(option.longestName() + " has no ${env:PUSHLINE_...} default: every setting must "
                    + "also be an environment variable, got default '" + rawDefault(option) + "'");
        }
        return m.group(1);
    }

    /** The default after {@code :-} in {@code ${env:PUSHLINE_X:-default}}; empty when there is none. */
    static String defaultOf(OptionSpec option) {
        String raw = rawDefault(option);
        int start = raw.indexOf(":-");
        return start < 0 ? "" : raw.substring(start + 2, raw.lastIndexOf('}'));
    }

    private static String rawDefault(OptionSpec option) {
        return option.defaultValue() == null ? "" : option.defaultValue();
    }

    private static CommandSpec spec(String mainClass) {
        try {
            Object command = Class.forName(mainClass).getDeclaredConstructor().newInstance();
            // Without interpolation, defaultValue() is the annotation's text: ${env:PUSHLINE_X:-default}.
            return new CommandLine(command).setInterpolateVariables(false).getCommandSpec();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot build the picocli command of main class " + mainClass, e);
        }
    }

    private static String xpath(Path pom, String expression) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document doc = factory.newDocumentBuilder().parse(pom.toFile());
            String value = XPathFactory.newInstance().newXPath().evaluate(expression, doc).trim();
            if (value.isEmpty()) {
                throw new AssertionError(pom + " has no " + expression);
            }
            return value;
        } catch (AssertionError e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("cannot read " + expression + " from " + pom, e);
        }
    }
}
