package io.pushline.all.deploy;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One service of docker-compose.yml, read the way Compose reads it: {@code command} as a list or a string,
 * {@code environment} as a map or a list of {@code KEY=value}.
 */
record ComposeService(String name, JsonNode node) {

    private static final String JAR_DIR = "/app/";

    List<String> command() {
        JsonNode command = node.path("command");
        List<String> words = new ArrayList<>();
        if (command.isArray()) {
            command.forEach(w -> words.add(w.asText()));
        } else if (command.isTextual()) {
            words.addAll(Arrays.asList(command.asText().trim().split("\\s+")));
        }
        return words;
    }

    /** The file name of the Pushline jar this service runs ({@code pushline-gateway.jar}), if it runs one. */
    Optional<String> jar() {
        return command().stream().filter(w -> w.startsWith(JAR_DIR) && w.endsWith(".jar"))
                .map(w -> w.substring(JAR_DIR.length())).findFirst();
    }

    /** The {@code --flags} of the command, without their {@code =value}. */
    List<String> flags() {
        return command().stream().filter(w -> w.startsWith("--")).map(w -> w.split("=", 2)[0]).toList();
    }

    Map<String, String> environment() {
        JsonNode env = node.path("environment");
        Map<String, String> vars = new LinkedHashMap<>();
        if (env.isObject()) {
            env.properties().forEach(e -> vars.put(e.getKey(), e.getValue().asText()));
        } else if (env.isArray()) {
            env.forEach(kv -> {
                String[] parts = kv.asText().split("=", 2);
                vars.put(parts[0], parts.length > 1 ? parts[1] : "");
            });
        }
        return vars;
    }

    /**
     * The value a setting gets in this service: its {@code --flag value} or {@code --flag=value} in the command,
     * else its variable, else {@code fallback}.
     */
    String setting(String flag, String envVar, String fallback) {
        List<String> words = command();
        for (int i = 0; i < words.size(); i++) {
            if (words.get(i).startsWith(flag + "=")) {
                return words.get(i).substring(flag.length() + 1);
            }
            if (words.get(i).equals(flag) && i + 1 < words.size()) {
                return words.get(i + 1);
            }
        }
        return environment().getOrDefault(envVar, fallback);
    }

    List<String> ports() {
        List<String> ports = new ArrayList<>();
        node.path("ports").forEach(p -> ports.add(p.asText()));
        return ports;
    }

    List<String> volumes() {
        List<String> volumes = new ArrayList<>();
        node.path("volumes").forEach(v -> volumes.add(v.asText()));
        return volumes;
    }
}
