package dev.perceval.policy.sampling;

/**
 * How to decode. {@code temperature <= 0} means greedy; log-probs are then those of the
 * untempered distribution. {@code useCache = false} recomputes the whole sequence each step: it
 * exists to check the cache and to measure what the cache buys.
 */
public record SamplingParams(float temperature, float topP, int maxNewTokens, boolean useCache) {
  public SamplingParams {
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
    }
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("max new tokens must be at least 1, got " + maxNewTokens);
    }
    if (Float.isNaN(temperature)) {
      throw new IllegalArgumentException("temperature must be a number");
    }
  }

  public static SamplingParams greedy(int maxNewTokens) {
    return new SamplingParams(0f, 1f, maxNewTokens, true);
  }

  public static SamplingParams sample(float temperature, float topP, int maxNewTokens) {
    return new SamplingParams(temperature, topP, maxNewTokens, true);
  }

  public SamplingParams withCache(boolean cache) {
    return new SamplingParams(temperature, topP, maxNewTokens, cache);
  }

  public boolean greedy() {
    return temperature <= 0;
  }

  /** The temperature the log-probs are taken at. */
  public float logProbTemperature() {
    return greedy() ? 1f : temperature;
  }
}
