package dev.perceval.policy.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Process-wide libtorch set-up. Thread counts must be fixed before the engine loads, and the CPU
 * build must never reach for the network, so every entry point calls {@link #init} first.
 */
public final class Torch {
  private static volatile boolean initialised;

  private Torch() {}

  /** Default libtorch intra-op threads: the perceval.threads property, PERCEVAL_THREADS, or min(2, cores). */
  public static int defaultThreads() {
    String prop = System.getProperty("perceval.threads", System.getenv("PERCEVAL_THREADS"));
    if (prop != null && !prop.isBlank()) {
      try {
        int n = Integer.parseInt(prop.strip());
        if (n >= 1) {
          return n;
        }
      } catch (NumberFormatException ignored) {
        // fall through to the clear error below
      }
      throw new IllegalArgumentException("perceval.threads must be a positive integer, got '" + prop + "'");
    }
    return Math.min(2, Runtime.getRuntime().availableProcessors());
  }

  /**
   * Loads libtorch with {@code threads} intra-op threads. A CPU-only run stays offline: natives come
   * from the pytorch-native-cpu jar. GPU runs may let DJL download CUDA natives or use a local
   * libtorch through PYTORCH_LIBRARY_PATH.
   */
  public static synchronized void init(int threads, boolean allowNativeDownload) {
    if (initialised) {
      return;
    }
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    if (System.getProperty("ai.djl.offline") == null && !allowNativeDownload) {
      System.setProperty("ai.djl.offline", "true");
    }
    Engine engine = Engine.getEngine("PyTorch");
    if (engine == null) {
      throw new IllegalStateException("the DJL PyTorch engine could not be loaded");
    }
    initialised = true;
  }

  public static void init() {
    init(defaultThreads(), false);
  }

  /** Parses {@code cpu} or {@code gpu:N} and checks the device is usable. */
  public static Device device(String spec) {
    String s = spec == null ? "cpu" : spec.strip().toLowerCase();
    if (s.equals("cpu")) {
      init();
      return Device.cpu();
    }
    if (s.matches("gpu:\\d+")) {
      int index = Integer.parseInt(s.substring(4));
      init(defaultThreads(), true);
      int gpus = Engine.getEngine("PyTorch").getGpuCount();
      if (index >= gpus) {
        throw new IllegalArgumentException("device '" + spec + "' requested but "
            + (gpus == 0 ? "no CUDA GPU is usable" : "only " + gpus + " GPU(s) are visible")
            + " (libtorch flavour: " + java.util.Objects.requireNonNullElse(System.getenv("PYTORCH_FLAVOR"), "cpu")
            + "); set PYTORCH_LIBRARY_PATH to a CUDA libtorch " + "2.7.1 or allow DJL's run-time download with -Dai.djl.offline=false");
      }
      return Device.gpu(index);
    }
    throw new IllegalArgumentException("unknown device '" + spec + "' (expected cpu or gpu:N)");
  }

  /** Sampling threads must not record autograd graphs: faster and half the memory. */
  public static void noGrad() {
    JniUtils.setGradMode(false);
  }

  public static void seed(long seed) {
    Engine.getEngine("PyTorch").setRandomSeed((int) seed);
  }
}
