package dev.perceval.actors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Aeron data plane moves bytes intact over IPC (shared driver) and UDP (separate drivers). */
class AeronBulkTest {
  @TempDir Path dir;

  private static Config config(Path driverDir) {
    return ConfigFactory.parseString("perceval.transport.aeron.dir = \"" + driverDir + "\"\n"
        + "akka.remote.artery.canonical.hostname = \"127.0.0.1\"").withFallback(ConfigFactory.load());
  }

  private static byte[] transfer(AeronBulk from, AeronBulk to, byte[] bytes) throws Exception {
    AeronBulk.Receiving r = to.receive(9, bytes.length, Duration.ofSeconds(20));
    from.send(r.endpoint(), 9, bytes, Duration.ofSeconds(20)).get(30, TimeUnit.SECONDS);
    return r.bytes().get(30, TimeUnit.SECONDS);
  }

  @Test
  void nodesSharingADriverUseIpcAndOthersUdp() throws Exception {
    byte[] bytes = new byte[5 * 1024 * 1024 + 17];
    new Random(3).nextBytes(bytes);
    AeronBulk a = new AeronBulk(config(dir.resolve("host-a")));
    AeronBulk sameHost = new AeronBulk(config(dir.resolve("host-a")));
    AeronBulk otherHost = new AeronBulk(config(dir.resolve("host-b")));
    try {
      assertEquals(a.driverId(), sameHost.driverId());
      assertArrayEquals(bytes, transfer(a, sameHost, bytes));
      assertTrue(!a.driverId().equals(otherHost.driverId()));
      assertArrayEquals(bytes, transfer(a, otherHost, bytes));
      assertArrayEquals(bytes, transfer(otherHost, a, bytes));
      assertArrayEquals(new byte[0], transfer(otherHost, a, new byte[0]));
    } finally {
      otherHost.close();
      sameHost.close();
      a.close();
    }
  }

  @Test
  void aReceiverThatHearsNothingFailsWithTheCount() {
    AeronBulk a = new AeronBulk(config(dir.resolve("host-c")));
    try {
      AeronBulk.Receiving r = a.receive(2, 100, Duration.ofMillis(300));
      ExecutionException e = assertThrows(ExecutionException.class, () -> r.bytes().get(10, TimeUnit.SECONDS));
      assertTrue(e.getCause().getMessage().contains("timed out with 0 of 100 bytes of v2"), e.getCause().getMessage());
    } finally {
      a.close();
    }
  }
}
