package io.pushline.common.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;

import java.net.URL;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** The shipped logback.xml, loaded into a context of its own: Lettuce's per-command warnings are capped, others are not. */
class ThrottledLoggerFilterTest {

    @Test
    void theShippedConfigurationLetsOneLettuceEndpointWarningThroughPerSecondAndEveryOtherWarning() throws Exception {
        LoggerContext context = new LoggerContext();
        URL config = getClass().getClassLoader().getResource("logback.xml");
        assertNotNull(config);
        JoranConfigurator joran = new JoranConfigurator();
        joran.setContext(context);
        joran.doConfigure(config);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.setContext(context);
        seen.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(seen);
        try {
            Logger endpoint = context.getLogger("io.lettuce.core.protocol.DefaultEndpoint");
            Logger ours = context.getLogger("io.pushline.ingest.line.IngestStats");
            for (int i = 0; i < 10_000; i++) {
                endpoint.warn("Unexpected exception during request: {}", "queue full", new IllegalStateException("full"));
            }
            for (int i = 0; i < 3; i++) {
                ours.warn("ingest warning {}", i);
            }
            assertEquals(1, seen.list.stream().filter(e -> e.getLoggerName().endsWith("DefaultEndpoint")).count());
            assertEquals(3, seen.list.stream().filter(e -> e.getLoggerName().endsWith("IngestStats")).count());
            ThrottledLoggerFilter filter = (ThrottledLoggerFilter) context.getTurboFilterList().get(0);
            assertEquals(9_999, filter.denied());
            assertEquals(Level.WARN, context.getLogger("io.lettuce").getLevel());
        } finally {
            context.stop();
        }
    }
}
