package dev.perceval.actors;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import com.typesafe.config.Config;
import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The Aeron data plane for weights: one media driver per host (the first node on a host starts
 * it in the shared directory, the others attach), IPC between nodes that share it and UDP
 * otherwise. A receiver opens one subscription of each kind on a fresh stream id and names them
 * in its request; the sender publishes on the one that reaches it best, in chunks of
 * {@code [version:8][offset:4][bytes]}. Every waiting loop sleeps: on 2 cores a spinning driver
 * or client takes a core from the model.
 */
public final class AeronBulk implements Extension {
  private static final int HEADER = 12;
  private static final Object LAUNCH_LOCK = new Object();

  /** What a receiver tells a sender: where it listens and which driver it shares. */
  public record Endpoint(String driverId, String udpChannel, int streamId) {}

  /** A transfer being received; {@link #bytes} completes once every byte has arrived. */
  public record Receiving(Endpoint endpoint, CompletableFuture<byte[]> bytes) {}

  private final Config config;
  private final String host;
  private final String dir;
  private final String driverId;
  private final ExecutorService io;
  private MediaDriver driver;
  private Aeron aeron;

  public static final ExtensionId<AeronBulk> ID = new ExtensionId<>() {
    @Override
    public AeronBulk createExtension(ActorSystem<?> system) {
      AeronBulk bulk = new AeronBulk(system.settings().config());
      system.getWhenTerminated().thenRun(bulk::close);
      return bulk;
    }
  };

  public static AeronBulk get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  AeronBulk(Config root) {
    this.config = root.getConfig("perceval.transport.aeron");
    String h = config.getString("host");
    String artery = root.getString("akka.remote.artery.canonical.hostname");
    // Akka's "<getHostAddress>" placeholder means "not configured": stay on loopback then.
    this.host = !h.isEmpty() ? h : artery.startsWith("<") ? "127.0.0.1" : artery;
    String d = config.getString("dir");
    this.dir = d.isEmpty() ? CommonContext.getAeronDirectoryName() + "-perceval" : d;
    this.driverId = host + "|" + new File(dir).getAbsolutePath();
    this.io = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "perceval-aeron-bulk");
      t.setDaemon(true);
      return t;
    });
  }

  public String driverId() {
    return driverId;
  }

  /** Opens the subscriptions for one transfer of {@code size} bytes of {@code version}. */
  public Receiving receive(long version, int size, Duration timeout) {
    if (size == 0) {
      // Nothing to move; both sides know the size, so the sender sends nothing either.
      return new Receiving(new Endpoint(driverId, "", 0), CompletableFuture.completedFuture(new byte[0]));
    }
    Aeron client = client();
    int stream = ThreadLocalRandom.current().nextInt(1 << 20, Integer.MAX_VALUE);
    Subscription ipc = client.addSubscription("aeron:ipc", stream);
    Subscription udp = client.addSubscription(udpChannel(host + ":0"), stream);
    long deadline = System.nanoTime() + timeout.toNanos();
    IdleStrategy idle = new SleepingMillisIdleStrategy(1);
    String resolved;
    while ((resolved = udp.resolvedEndpoint()) == null) {
      if (System.nanoTime() > deadline) {
        ipc.close();
        udp.close();
        throw new IllegalStateException("aeron: no UDP endpoint was bound on " + host);
      }
      idle.idle();
    }
    Endpoint endpoint = new Endpoint(driverId, udpChannel(resolved), stream);
    CompletableFuture<byte[]> done = new CompletableFuture<>();
    io.execute(() -> {
      try {
        done.complete(collect(version, size, deadline, ipc, udp));
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
      } finally {
        ipc.close();
        udp.close();
      }
    });
    return new Receiving(endpoint, done);
  }

  private byte[] collect(long version, int size, long deadline, Subscription ipc, Subscription udp) {
    byte[] out = new byte[size];
    int[] received = {0};
    String[] error = {null};
    FragmentHandler chunks = new FragmentAssembler((buffer, offset, length, header) -> {
      long v = buffer.getLong(offset);
      int at = buffer.getInt(offset + 8);
      int n = length - HEADER;
      if (v != version || at < 0 || at + (long) n > size) {
        error[0] = "chunk of v" + v + " at " + at + " (" + n + " bytes) does not fit v" + version + " of " + size + " bytes";
        return;
      }
      buffer.getBytes(offset + HEADER, out, at, n);
      received[0] += n;
    });
    IdleStrategy idle = new SleepingMillisIdleStrategy(1);
    while (received[0] < size && error[0] == null) {
      int work = ipc.poll(chunks, 16) + udp.poll(chunks, 16);
      if (work == 0) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("aeron: timed out with " + received[0] + " of " + size + " bytes of v" + version);
        }
        idle.idle();
      }
    }
    if (error[0] != null) {
      throw new IllegalStateException("aeron: " + error[0]);
    }
    return out;
  }

  /** Publishes {@code bytes} to the receiver, over IPC when it shares this host's driver. */
  public CompletableFuture<Void> send(Endpoint to, long version, byte[] bytes, Duration timeout) {
    if (bytes.length == 0) {
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.runAsync(() -> {
      String channel = to.driverId().equals(driverId) ? "aeron:ipc" : to.udpChannel();
      long deadline = System.nanoTime() + timeout.toNanos();
      // A healthy receiver connects in milliseconds; one that does not (its host's driver died
      // with another node) is given up on soon, so the weights go over artery instead.
      long connectBy = System.nanoTime() + Math.min(timeout.toNanos(), config.getDuration("connect-timeout").toNanos());
      IdleStrategy idle = new SleepingMillisIdleStrategy(1);
      // Closing hands the publication to the driver, which drains it to the receiver first.
      try (ExclusivePublication pub = client().addExclusivePublication(channel, to.streamId())) {
        while (!pub.isConnected()) {
          if (System.nanoTime() > connectBy) {
            throw new IllegalStateException("aeron: receiver " + channel + " stream " + to.streamId() + " did not connect");
          }
          idle.idle();
        }
        int chunk = (int) Math.min(config.getBytes("chunk-bytes"), pub.maxMessageLength() - HEADER);
        UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(HEADER + chunk));
        for (int at = 0; at < bytes.length; at += chunk) {
          int n = Math.min(chunk, bytes.length - at);
          buffer.putLong(0, version);
          buffer.putInt(8, at);
          buffer.putBytes(HEADER, bytes, at, n);
          long result;
          while ((result = pub.offer(buffer, 0, HEADER + n)) < 0) {
            if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED
                || result == Publication.NOT_CONNECTED) {
              throw new IllegalStateException("aeron: publication to " + channel + " ended (" + result + ")");
            }
            if (System.nanoTime() > deadline) {
              throw new IllegalStateException("aeron: back-pressured past the timeout at byte " + at);
            }
            idle.idle();
          }
        }
      }
    }, io);
  }

  private String udpChannel(String endpoint) {
    return "aeron:udp?endpoint=" + endpoint + "|mtu=" + config.getBytes("mtu")
        + "|term-length=" + config.getBytes("term-length");
  }

  /** The client, attached to the host's driver; starts that driver when no live one is found. */
  private synchronized Aeron client() {
    if (aeron != null && !aeron.isClosed()) {
      // The node that started the host's driver may have left; then a new driver is started.
      if (CommonContext.isDriverActive(new File(dir), 1000, msg -> {})) {
        return aeron;
      }
      aeron.close();
    }
    synchronized (LAUNCH_LOCK) {
      File dirFile = new File(dir);
      Path lockPath = Path.of(dirFile.getAbsolutePath() + ".lock");
      try (FileChannel channel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
           FileLock ignored = channel.lock()) {
        if (!CommonContext.isDriverActive(dirFile, 1000, msg -> {})) {
          if (driver != null) {
            driver.close();
          }
          driver = MediaDriver.launch(driverContext());
        }
      } catch (IOException e) {
        throw new IllegalStateException("aeron: cannot lock " + lockPath + ": " + e.getMessage(), e);
      }
    }
    // The client's conductor keeps Aeron's default: it sleeps 16 ms between duty cycles.
    aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir).errorHandler(e -> { }));
    return aeron;
  }

  private MediaDriver.Context driverContext() {
    int term = (int) config.getBytes("term-length").longValue();
    return new MediaDriver.Context()
        .aeronDirectoryName(dir)
        .dirDeleteOnStart(true)
        .dirDeleteOnShutdown(true)
        .threadingMode(ThreadingMode.SHARED)
        .sharedIdleStrategy(new SleepingMillisIdleStrategy(config.getDuration("idle-sleep").toMillis()))
        .ipcTermBufferLength(term)
        .publicationTermBufferLength(term)
        .mtuLength((int) config.getBytes("mtu").longValue())
        .socketRcvbufLength((int) config.getBytes("socket-buffer").longValue())
        .socketSndbufLength((int) config.getBytes("socket-buffer").longValue())
        .initialWindowLength((int) config.getBytes("socket-buffer").longValue())
        .termBufferSparseFile(true);
  }

  synchronized void close() {
    io.shutdownNow();
    try {
      io.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (aeron != null) {
      aeron.close();
    }
    if (driver != null) {
      driver.close();
    }
  }
}
