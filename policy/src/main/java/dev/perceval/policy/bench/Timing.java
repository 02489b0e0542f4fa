package dev.perceval.policy.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.Torch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/** How the benchmarks time work, written once so that every bench reports the same statistic. */
public final class Timing {
  private Timing() {}

  /**
   * The fastest of {@code repeats} runs of {@code pass}, in nanoseconds, after one untimed run:
   * the warm-up pays for allocation and kernel selection, and the minimum is the run least
   * disturbed by whatever else the machine was doing.
   */
  public static long best(int repeats, Runnable pass) {
    return best(repeats, pass, System::nanoTime);
  }

  static long best(int repeats, Runnable pass, LongSupplier clock) {
    if (repeats < 1) {
      throw new IllegalArgumentException("repeats must be at least 1, got " + repeats);
    }
    pass.run();
    long best = Long.MAX_VALUE;
    for (int r = 0; r < repeats; r++) {
      long t0 = clock.getAsLong();
      pass.run();
      best = Math.min(best, clock.getAsLong() - t0);
    }
    return best;
  }

  /** FLOP/s of a {@code gemm x gemm} float32 matmul on {@code model}'s device: the peak a bench's FLOP/s is set against. */
  public static double gemmPeak(TinyVlm model, int gemm, int repeats) {
    Torch.noGrad();
    try (NDManager m = model.newSubManager()) {
      NDArray a = m.randomUniform(-1, 1, new Shape(gemm, gemm));
      NDArray b = m.randomUniform(-1, 1, new Shape(gemm, gemm));
      long best = best(repeats, () -> {
        try (NDArray c = a.matMul(b)) {
          // Reading one element waits for the product on devices that compute asynchronously.
          c.getFloat(0, 0);
        }
      });
      return perSecond(2.0 * gemm * gemm * gemm, best);
    }
  }

  /** {@code units} of work per second when one pass of them took {@code nanos}. */
  public static double perSecond(double units, long nanos) {
    return units / (nanos / 1e9);
  }

  /**
   * The CPU each process spends over {@code window}, in cores (1.0: one core busy throughout):
   * what a process costs the host while it is meant to be idle.
   */
  public static List<Double> cpuCores(List<ProcessHandle> processes, Duration window) throws InterruptedException {
    long[] before = new long[processes.size()];
    for (int i = 0; i < processes.size(); i++) {
      before[i] = cpuNanos(processes.get(i));
    }
    long t0 = System.nanoTime();
    Thread.sleep(window.toMillis());
    double wall = System.nanoTime() - t0;
    List<Double> cores = new ArrayList<>();
    for (int i = 0; i < processes.size(); i++) {
      cores.add((cpuNanos(processes.get(i)) - before[i]) / wall);
    }
    return cores;
  }

  private static long cpuNanos(ProcessHandle p) {
    return p.info().totalCpuDuration().orElseThrow(
        () -> new IllegalStateException("this OS does not report the CPU time of process " + p.pid())).toNanos();
  }
}
