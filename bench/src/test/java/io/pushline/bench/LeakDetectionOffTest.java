package io.pushline.bench;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class LeakDetectionOffTest {

  private static final String LEVEL = "io.netty.leakDetection.level";
  private static final String INTERVAL = "io.netty.leakDetection.samplingInterval";

  private String level;
  private String interval;

  @BeforeEach
  void saveTheTestRunsOwnSettings() {
    level = System.getProperty(LEVEL);
    interval = System.getProperty(INTERVAL);
    System.clearProperty(LEVEL);
    System.clearProperty(INTERVAL);
  }

  @AfterEach
  void restoreThem() {
    restore(LEVEL, level);
    restore(INTERVAL, interval);
  }

  @Test
  void theGeneratorRunsWithoutLeakDetectionWhenNobodyAskedForIt() {
    BenchMain.leakDetectionOffUnlessSet();
    assertEquals("disabled", System.getProperty(LEVEL));
  }

  @Test
  void anExplicitLevelOrIntervalWins() {
    System.setProperty(LEVEL, "paranoid");
    BenchMain.leakDetectionOffUnlessSet();
    assertEquals("paranoid", System.getProperty(LEVEL));

    System.clearProperty(LEVEL);
    System.setProperty(INTERVAL, "64");
    BenchMain.leakDetectionOffUnlessSet();
    assertNull(System.getProperty(LEVEL));
  }

  private static void restore(String key, String value) {
    if (value == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, value);
    }
  }
}
