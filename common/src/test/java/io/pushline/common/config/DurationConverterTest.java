package io.pushline.common.config;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DurationConverterTest {

    @Test
    void readsOperatorDurations() {
        assertEquals(Duration.ofMillis(500), DurationConverter.parse("500ms"));
        assertEquals(Duration.ofSeconds(30), DurationConverter.parse("30s"));
        assertEquals(Duration.ofMinutes(5), DurationConverter.parse("5m"));
        assertEquals(Duration.ofHours(1), DurationConverter.parse(" 1H "));
    }

    @Test
    void refusesAnythingElseWithAnExample() {
        for (String bad : new String[] {"30", "s", "", "3d", "x5s", "PT30S"}) {
            CommandLine.TypeConversionException e = assertThrows(CommandLine.TypeConversionException.class, () -> DurationConverter.parse(bad));
            assertEquals("'" + bad + "' is not a duration like 500ms, 30s, 5m or 1h", e.getMessage());
        }
    }

    @Test
    void formatsBack() {
        assertEquals("30s", DurationConverter.format(Duration.ofSeconds(30)));
        assertEquals("1500ms", DurationConverter.format(Duration.ofMillis(1500)));
        assertEquals("2m", DurationConverter.format(Duration.ofMinutes(2)));
    }
}
