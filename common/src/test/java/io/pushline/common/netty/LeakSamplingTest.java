package io.pushline.common.netty;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LeakSamplingTest {

    private String before;

    @BeforeEach
    void saveTheTestRunsOwnSetting() {
        before = System.getProperty(LeakSampling.PROPERTY);
    }

    @AfterEach
    void restoreIt() {
        if (before == null) {
            System.clearProperty(LeakSampling.PROPERTY);
        } else {
            System.setProperty(LeakSampling.PROPERTY, before);
        }
    }

    @Test
    void aServerSamplesOneBufferIn1024WhenNobodySaidOtherwise() {
        System.clearProperty(LeakSampling.PROPERTY);
        LeakSampling.forServers();
        assertEquals("1024", System.getProperty(LeakSampling.PROPERTY));
    }

    @Test
    void anOperatorsOwnIntervalWins() {
        System.setProperty(LeakSampling.PROPERTY, "128");
        LeakSampling.forServers();
        assertEquals("128", System.getProperty(LeakSampling.PROPERTY));
    }
}
