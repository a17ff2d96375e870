package io.pushline.all.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.pushline.all.ProjectRoot;
import io.pushline.common.config.DurationConverter;
import io.pushline.gateway.GatewayOptions;
import io.pushline.ingest.IngestOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Checks the deployment files (Dockerfile, docker-compose.yml, the nginx config) against the code and the build,
 * as far as a machine without a Docker engine can: every setting they use exists in the jar that runs it, the
 * jars they name are the jars the build makes, and the ports agree from the load balancer to the listeners.
 */
class DeploymentFilesTest {

    static final Set<String> SERVICES = Set.of("redis", "gateway-1", "gateway-2", "lb", "ingest");
    static final String GATEWAY_JAR_MODULE = "gateway";
    static final String INGEST_JAR_MODULE = "ingest";
    static final String ALL_JAR_MODULE = "all";
    static final String ANY_ADDRESS = "0.0.0.0";

    private static final Pattern COPY_JAR = Pattern.compile(
            "^COPY\\s+--from=\\S+\\s+/src/([\\w-]+)/target/(\\S+\\.jar)\\s+/app/(\\S+\\.jar)\\s*$", Pattern.MULTILINE);
    private static final Pattern UPSTREAM_SERVER = Pattern.compile("^\\s*server\\s+([\\w.-]+):(\\d+)\\b[^;]*;", Pattern.MULTILINE);
    private static final Pattern PUSHLINE_VAR = Pattern.compile("^PUSHLINE_[A-Z0-9_]+$");

    static Path root;
    static Map<String, ComposeService> services;
    static Map<String, RunnableJars.Jar> jars;
    static String dockerfile;
    static String nginx;

    @BeforeAll
    static void read() throws IOException {
        root = ProjectRoot.containing("docker-compose.yml");
        JsonNode compose = new YAMLMapper().readTree(root.resolve("docker-compose.yml").toFile());
        services = new TreeMap<>();
        compose.path("services").properties().forEach(e -> services.put(e.getKey(), new ComposeService(e.getKey(), e.getValue())));
        jars = RunnableJars.read(root);
        dockerfile = Files.readString(root.resolve("Dockerfile"));
        nginx = Files.readString(root.resolve("deploy/nginx/nginx.conf")).replaceAll("#[^\\n]*", "");
    }

    @Test
    void composeDefinesTheClusterServices() {
        assertEquals(new TreeSet<>(SERVICES), services.keySet());
        assertEquals(List.of("gateway-1", "gateway-2"), servicesRunning(GATEWAY_JAR_MODULE));
        assertEquals(List.of("ingest"), servicesRunning(INGEST_JAR_MODULE));
    }

    @Test
    void everyServiceUsesOnlySettingsOfTheJarItRuns() {
        for (ComposeService service : services.values()) {
            List<String> vars = service.environment().keySet().stream().filter(v -> v.startsWith("PUSHLINE_")).toList();
            if (service.jar().isEmpty()) {
                assertEquals(List.of(), vars, service.name() + " runs no Pushline jar but sets Pushline variables");
                continue;
            }
            RunnableJars.Jar jar = jars.get(service.jar().get());
            assertTrue(jar != null, service.name() + " runs /app/" + service.jar().get() + ", which the build does not make; "
                    + "it makes " + jars.keySet());
            for (String var : vars) {
                assertTrue(PUSHLINE_VAR.matcher(var).matches(), service.name() + ": malformed variable " + var);
                assertTrue(jar.envVars().contains(var), service.name() + " sets " + var + ", which is not a setting of "
                        + jar.fileName() + " (its variables: " + jar.envVars() + ")");
            }
            for (String flag : service.flags()) {
                assertTrue(jar.flags().contains(flag), service.name() + " passes " + flag + ", which is not a flag of "
                        + jar.fileName() + " (its flags: " + jar.flags() + ")");
            }
        }
    }

    /**
     * Each service's settings, given as flags to its jar's real command line, pass the validation its main runs
     * at start: a setting that the code would refuse (a non-loopback gateway without a token key or trusted-uid
     * mode, say) fails here rather than in {@code docker compose up}.
     */
    @Test
    void everyPushlineServiceStartsWithItsSettings() throws Exception {
        for (ComposeService service : pushlineServices()) {
            RunnableJars.Jar jar = jars.get(service.jar().get());
            List<String> args = new ArrayList<>();
            service.environment().forEach((var, value) -> jar.settings().stream()
                    .filter(o -> var.equals(RunnableJars.envVar(o))).findFirst()
                    .ifPresent(o -> args.addAll(List.of(o.longestName(), value))));
            List<String> command = service.command();
            args.addAll(command.subList(command.indexOf("/app/" + jar.fileName()) + 1, command.size()));
            CommandLine cli = new CommandLine(jar.spec().userObject().getClass().getDeclaredConstructor().newInstance());
            cli.parseArgs(args.toArray(String[]::new));
            for (Object options : cli.getMixins().values()) {
                try {
                    options.getClass().getMethod("validate").invoke(options);
                } catch (NoSuchMethodException e) {
                    // a mixin without validation
                } catch (java.lang.reflect.InvocationTargetException e) {
                    fail(service.name() + " would not start: " + e.getCause().getMessage());
                }
            }
        }
    }

    @Test
    void everyPushlineServiceBrokersThroughTheHealthyComposeRedis() {
        JsonNode healthcheck = services.get("redis").node().path("healthcheck").path("test");
        assertTrue(healthcheck.toString().contains("redis-cli") && healthcheck.toString().contains("ping"),
                "redis needs a redis-cli ping healthcheck, got " + healthcheck);
        for (ComposeService service : pushlineServices()) {
            String url = service.setting("--redis-url", "PUSHLINE_REDIS_URL", "");
            assertTrue(url.matches("rediss?://([^@/]*@)?redis(:\\d+)?(/\\d+)?"),
                    service.name() + " must broker through the redis service, got PUSHLINE_REDIS_URL=" + url);
            assertEquals("service_healthy", service.node().path("depends_on").path("redis").path("condition").asText(),
                    service.name() + " must wait for a healthy redis");
        }
    }

    @Test
    void theLoadBalancerReachesEveryGatewayWhereItListens() {
        Map<String, Integer> expected = new TreeMap<>();
        for (String name : servicesRunning(GATEWAY_JAR_MODULE)) {
            ComposeService gateway = services.get(name);
            expected.put(name, Integer.parseInt(gateway.setting("--ws-port", "PUSHLINE_WS_PORT", Integer.toString(GatewayOptions.DEFAULT_PORT))));
            assertEquals(ANY_ADDRESS, gateway.setting("--ws-host", "PUSHLINE_WS_HOST", GatewayOptions.DEFAULT_HOST),
                    name + " must listen on every address of its container, or the load balancer cannot reach it");
        }
        Map<String, Integer> upstream = new TreeMap<>();
        Matcher m = UPSTREAM_SERVER.matcher(nginx);
        while (m.find()) {
            upstream.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        assertEquals(expected, upstream, "nginx upstream servers vs gateway services and their --ws-port");

        ComposeService lb = services.get("lb");
        assertTrue(lb.volumes().contains("./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro"),
                "lb must mount deploy/nginx/nginx.conf read-only, got " + lb.volumes());
        Matcher listen = Pattern.compile("^\\s*listen\\s+(\\d+)\\s*;", Pattern.MULTILINE).matcher(nginx);
        assertTrue(listen.find(), "nginx.conf has no listen directive");
        assertEquals(List.of(GatewayOptions.DEFAULT_PORT + ":" + listen.group(1)), lb.ports(),
                "lb publishes the browsers' port " + GatewayOptions.DEFAULT_PORT + " onto nginx's listen port");
    }

    @Test
    void theIngestIsPublishedOnTheHostsLoopbackOnly() {
        for (String name : servicesRunning(INGEST_JAR_MODULE)) {
            ComposeService ingest = services.get(name);
            String port = ingest.setting("--ingest-port", "PUSHLINE_INGEST_PORT", Integer.toString(IngestOptions.DEFAULT_PORT));
            assertEquals(List.of("127.0.0.1:" + IngestOptions.DEFAULT_PORT + ":" + port), ingest.ports(),
                    name + ": whoever reaches the ingest can push to anyone, so the host publishes it on loopback only");
            assertEquals(ANY_ADDRESS, ingest.setting("--ingest-host", "PUSHLINE_INGEST_HOST", IngestOptions.DEFAULT_HOST),
                    name + " must listen on its container's network, or the published port leads nowhere");
        }
        for (ComposeService service : services.values()) {
            if (!servicesRunning(INGEST_JAR_MODULE).contains(service.name())) {
                service.ports().forEach(p -> assertFalse(p.endsWith(":" + IngestOptions.DEFAULT_PORT),
                        service.name() + " publishes the ingest port: " + p));
            }
        }
    }

    @Test
    void theImageHoldsExactlyTheJarsTheBuildMakes() {
        Map<String, String> copied = new LinkedHashMap<>();
        Matcher m = COPY_JAR.matcher(dockerfile);
        while (m.find()) {
            assertEquals(m.group(2), m.group(3), "a jar keeps its build name in /app: " + m.group());
            copied.put(m.group(1), m.group(2));
        }
        Map<String, String> built = new LinkedHashMap<>();
        jars.values().forEach(j -> built.put(j.module(), j.fileName()));
        assertEquals(built, copied, "Dockerfile COPY lines (module -> jar) vs the modules' <finalName>");
        for (ComposeService service : pushlineServices()) {
            assertTrue(copied.containsValue(service.jar().get()), service.name() + " runs a jar the image lacks");
        }
    }

    @Test
    void theImageRunsTheAllInOneOnAJreAsANonRootUser() {
        String runtime = dockerfile.substring(dockerfile.lastIndexOf("\nFROM "));
        String base = runtime.lines().skip(1).findFirst().orElseThrow();
        assertTrue(base.matches("FROM\\s+\\S*jre\\S*\\s*"), "the runtime stage must be a JRE image, got " + base);
        List<String> users = new ArrayList<>();
        runtime.lines().filter(l -> l.startsWith("USER ")).forEach(l -> users.add(l.substring(5).trim()));
        assertFalse(users.isEmpty(), "the runtime stage must switch to a non-root USER");
        String user = users.get(users.size() - 1).split(":")[0];
        assertNotEquals("root", user);
        assertNotEquals("0", user);
        String allJar = jars.values().stream().filter(j -> j.module().equals(ALL_JAR_MODULE)).findFirst().orElseThrow().fileName();
        assertTrue(runtime.contains("CMD [\"java\", \"-jar\", \"/app/" + allJar + "\"]"), "the default command runs " + allJar);
        assertTrue(runtime.contains("EXPOSE " + GatewayOptions.DEFAULT_PORT + " " + IngestOptions.DEFAULT_PORT),
                "the image exposes the default WebSocket and ingest ports");
    }

    @Test
    void nginxForwardsTheWebSocketUpgradeUnbuffered() {
        assertTrue(nginx.matches("(?s).*proxy_http_version\\s+1\\.1\\s*;.*"), "WebSockets need HTTP/1.1 to the gateways");
        assertTrue(nginx.matches("(?s).*proxy_set_header\\s+Upgrade\\s+\\$http_upgrade\\s*;.*"), "nginx must pass Upgrade on");
        Matcher connection = Pattern.compile("proxy_set_header\\s+Connection\\s+(\\S+)\\s*;").matcher(nginx);
        assertTrue(connection.find(), "nginx must set the Connection header");
        String value = connection.group(1);
        if (value.startsWith("$")) {
            assertTrue(nginx.matches("(?s).*map\\s+\\$http_upgrade\\s+\\" + value + "\\s*\\{[^}]*default\\s+upgrade\\s*;.*"),
                    value + " must map to 'upgrade' for WebSocket requests");
        } else {
            assertEquals("upgrade", value.replace("\"", "").toLowerCase());
        }
        assertTrue(nginx.matches("(?s).*proxy_buffering\\s+off\\s*;.*"), "a push must not wait in a proxy buffer");
    }

    @Test
    void nginxWaitsLongerThanTheGatewaysHeartbeat() {
        RunnableJars.Jar gateway = jars.values().stream().filter(j -> j.module().equals(GATEWAY_JAR_MODULE)).findFirst().orElseThrow();
        OptionSpec ping = gateway.spec().findOption("--ping-interval");
        assumeTrue(ping != null, "the gateway has no --ping-interval yet: nothing to compare proxy_read_timeout with");
        Matcher timeout = Pattern.compile("proxy_read_timeout\\s+(\\w+)\\s*;").matcher(nginx);
        if (!timeout.find()) {
            fail("nginx must set proxy_read_timeout above the gateway's ping interval (its default of 60s is too close)");
        }
        assertTrue(DurationConverter.parse(timeout.group(1)).compareTo(DurationConverter.parse(RunnableJars.defaultOf(ping))) > 0,
                "proxy_read_timeout " + timeout.group(1) + " must exceed --ping-interval's default " + RunnableJars.defaultOf(ping)
                        + ", or nginx cuts quiet healthy connections");
    }

    private static List<String> servicesRunning(String module) {
        return services.values().stream()
                .filter(s -> s.jar().isPresent() && jars.containsKey(s.jar().get()) && jars.get(s.jar().get()).module().equals(module))
                .map(ComposeService::name).toList();
    }

    private static List<ComposeService> pushlineServices() {
        return services.values().stream().filter(s -> s.jar().isPresent()).toList();
    }
}
