package io.pushline.common.config;

import org.junit.jupiter.api.Test;

import java.io.FileNotFoundException;
import java.net.BindException;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StartupExceptionTest {

    @Test
    void startupMessagesDropNativeTransportNoise() {
        Exception e = new RuntimeException(new BindException("bind(..) failed with error(-98): Address already in use"));
        assertEquals("cannot listen: Address already in use", StartupException.of("cannot listen", e).getMessage());
    }

    @Test
    void aUnixSocketThatIsNotThereIsSaidInWords() {
        Exception e = new RuntimeException("Unable to connect", new FileNotFoundException());
        assertEquals("cannot connect to Redis at redis-socket:///run/redis/redis.sock: no such file",
                StartupException.of("cannot connect to Redis at redis-socket:///run/redis/redis.sock", e).getMessage());
    }
}
