package dev.perceval.prm;

import static dev.perceval.policy.ConfigChecks.fraction;
import static dev.perceval.policy.ConfigChecks.nonNegativeFloat;
import static dev.perceval.policy.ConfigChecks.positive;
import static dev.perceval.policy.ConfigChecks.positiveFloat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.perceval.policy.Settings;
import dev.perceval.policy.model.VlmConfig;

/** Typed view of {@code perceval.prm} (see the prm module's reference.conf). */
public record PrmSettings(boolean initFromPolicy, Settings.Model model, Settings.Sft training, int perceptionWarmup,
    PrmTrainer.Loss loss, int trainExamples, PercevalVerifier.Judging judging, float threshold, boolean calibrate,
    float minPrecision, float posWeight, PrmData.Mix mix, float policyTemperature, int evalN) {

  /** {@code c} is the {@code perceval} block. */
  public static PrmSettings from(Config c) {
    try {
      Settings.Model model = new Settings.Model(positive(c, "prm.model.patch"),
          dev.perceval.policy.ConfigChecks.nonNegative(c, "prm.model.stem-channels"), positive(c, "prm.model.d-model"),
          positive(c, "prm.model.layers"), positive(c, "prm.model.heads"), positive(c, "prm.model.max-text"));
      if (model.dModel() % model.heads() != 0) {
        throw new IllegalArgumentException("config perceval.prm.model.d-model (" + model.dModel()
            + ") must be a multiple of perceval.prm.model.heads (" + model.heads() + ")");
      }
      Settings.Sft training = new Settings.Sft(positive(c, "prm.steps"), positive(c, "prm.batch-size"),
          positiveFloat(c, "prm.lr"), dev.perceval.policy.ConfigChecks.nonNegative(c, "prm.warmup"), fraction(c, "prm.min-lr-ratio"),
          nonNegativeFloat(c, "prm.weight-decay"), nonNegativeFloat(c, "prm.grad-clip"), 0,
          nonNegativeFloat(c, "prm.perception-weight"));
      PrmData.Mix mix;
      try {
        mix = new PrmData.Mix(nonNegativeFloat(c, "prm.mix.corrupted"), nonNegativeFloat(c, "prm.mix.policy"),
            nonNegativeFloat(c, "prm.mix.correct"), positive(c, "prm.mix.max-corruptions"),
            nonNegativeFloat(c, "prm.mix.position-weight"), nonNegativeFloat(c, "prm.mix.evasion-weight"));
      } catch (IllegalArgumentException e) {
        throw e.getMessage().startsWith("config") ? e
            : new IllegalArgumentException("config perceval.prm.mix: " + e.getMessage());
      }
      PrmTrainer.Loss loss;
      try {
        loss = PrmTrainer.Loss.parse(c.getString("prm.loss"));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("config perceval.prm.loss: " + e.getMessage());
      }
      PercevalVerifier.Judging judging;
      try {
        judging = PercevalVerifier.Judging.parse(c.getString("prm.judging"));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("config perceval.prm.judging: " + e.getMessage());
      }
      return new PrmSettings(c.getBoolean("prm.init-from-policy"), model, training,
          dev.perceval.policy.ConfigChecks.nonNegative(c, "prm.perception-warmup"), loss,
          positive(c, "prm.train-examples"), judging, fraction(c, "prm.threshold"),
          c.getBoolean("prm.calibrate-threshold"), fraction(c, "prm.min-precision"),
          positiveFloat(c, "prm.pos-weight"), mix, positiveFloat(c, "prm.policy-temperature"), positive(c, "prm.eval-n"));
    } catch (ConfigException e) {
      throw new IllegalArgumentException("config: " + e.getMessage(), e);
    }
  }

  public VlmConfig shape(int imageSize, int vocab) {
    return model.shape(imageSize, vocab).withMode(VlmConfig.Mode.VERIFIER);
  }
}
