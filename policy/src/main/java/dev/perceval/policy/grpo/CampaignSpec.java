package dev.perceval.policy.grpo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import dev.perceval.policy.ConfigChecks;
import dev.perceval.policy.world.Split;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A validated GRPO campaign (see {@code campaign-reference.conf}). Every problem is reported
 * with the key's path before any work starts.
 */
public record CampaignSpec(String name, long seed, String policy, String verifier, String out, Data data,
    int steps, int promptsPerStep, int groupSize, Rollout rollout, Algorithm algorithm, Update update,
    Trainer trainer, String source) {

  public record Data(String world, Split split, List<String> families, boolean perception) {}

  public record Rollout(float temperature, float topP, int maxNewTokens, int microBatch, boolean requireClaims,
      boolean dynamicSampling, int maxRounds, boolean overlongPenalty, int overlongBuffer, double overlongFactor) {}

  public record Algorithm(String estimator, boolean normalizeByStd, double alpha, double zeroVarianceScale,
      boolean contentTokensOnly, String tokenShaper, double claimCredit) {
    public TokenAdvantages.Penalty penalty() {
      return new TokenAdvantages.Penalty(alpha, zeroVarianceScale, contentTokensOnly);
    }
  }

  /**
   * How the learner updates the policy: the spec's {@code actor} block, verl's name for the
   * policy being trained (not an Akka actor).
   */
  public record Update(float lr, int warmup, float weightDecay, float gradClip, PolicyLoss.Clip clip,
      LossAggregation lossAgg, float klCoef, KlEstimator klEstimator, int ppoEpochs, int miniBatches,
      int microBatch, boolean freezeVisionTower, boolean gradAgreement) {}

  public record Trainer(int checkpointEvery, int keepCheckpoints, int evalEvery, int evalN, Split evalSplit) {}

  private static final String REFERENCE = "campaign-reference.conf";
  /** Spec keys are named from the spec's root, not under {@code perceval.}. */
  private static final ConfigChecks CHECK = ConfigChecks.under("");

  /** The defaults alone. */
  public static Config reference() {
    return ConfigFactory.parseResources(CampaignSpec.class.getClassLoader(), REFERENCE,
        ConfigParseOptions.defaults().setAllowMissing(false));
  }

  /**
   * A spec file; {@code trusted} lets it include other files and read the environment
   * ({@code ${HOME}}), as the operator's own config may. An untrusted file is read as data, like
   * a spec sent over HTTP.
   */
  public static CampaignSpec load(Path file, boolean trusted) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("campaign spec " + file + " not found");
    }
    String origin = "campaign spec " + file;
    try {
      if (!trusted) {
        return from(SpecText.parse(Files.readString(file), origin), origin, false);
      }
      return from(ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)),
          origin, true);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(origin + ": cannot be read (" + e.getMessage() + ")", e);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
    }
  }

  /**
   * A spec sent as text (HOCON, of which JSON is a subset), read as data: a spec comes from
   * whoever reaches the API, so it may neither include files or URLs nor substitute environment
   * variables or system properties (a node's environment holds its database password).
   */
  public static CampaignSpec parse(String text) {
    try {
      return from(SpecText.parse(text, "campaign spec"), "campaign spec", false);
    } catch (ConfigException e) {
      throw new IllegalArgumentException("campaign spec: " + e.getMessage(), e);
    }
  }

  /**
   * The spec with {@code overrides} applied, validated again: dotted keys, values as HOCON text
   * ({@code 0.1}, {@code true}, {@code [sum]}), anything unparsable taken as a string.
   */
  public CampaignSpec with(Map<String, String> overrides) {
    Config c = ConfigFactory.parseString(source);
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      com.typesafe.config.ConfigValue v;
      try {
        v = SpecText.parse("v = " + e.getValue(), "override").getValue("v");
      } catch (ConfigException ex) {
        v = com.typesafe.config.ConfigValueFactory.fromAnyRef(e.getValue());
      }
      try {
        c = c.withValue(e.getKey(), v);
      } catch (ConfigException ex) {
        throw new IllegalArgumentException("campaign spec: bad key '" + e.getKey() + "'");
      }
    }
    return from(c, "campaign spec", false);
  }

  private static CampaignSpec from(Config given, String origin, boolean trusted) {
    Config reference = reference();
    for (Map.Entry<String, com.typesafe.config.ConfigValue> e : given.entrySet()) {
      if (!reference.hasPath(e.getKey())) {
        throw new IllegalArgumentException(origin + ": unknown key '" + e.getKey() + "'");
      }
    }
    Config c;
    try {
      c = given.withFallback(reference).resolve(trusted ? ConfigResolveOptions.defaults()
          : ConfigResolveOptions.noSystem());
    } catch (ConfigException.UnresolvedSubstitution e) {
      throw new IllegalArgumentException(origin + ": a substitution names no key of the spec (specs cannot read"
          + " the environment): " + e.getMessage(), e);
    }
    try {
      checkLimits(c);
      return validate(c);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
    }
  }

  private static final String LIMITS = "campaign-limits.conf";

  /** The upper bounds of {@code campaign-limits.conf}, with system properties over them. */
  static Config limits() {
    return ConfigFactory.parseProperties(System.getProperties()).withFallback(ConfigFactory.parseResources(
        CampaignSpec.class.getClassLoader(), LIMITS, ConfigParseOptions.defaults().setAllowMissing(false)))
        .getConfig("perceval.campaign-limits");
  }

  /** Every bounded number within its bound, checked before anything is sized by it. */
  private static void checkLimits(Config c) {
    Config limits = limits();
    for (Map.Entry<String, com.typesafe.config.ConfigValue> e : limits.entrySet()) {
      String key = e.getKey();
      double max = limits.getDouble(key);
      if (key.equals("rollouts-per-step")) {
        double rows = number(c, "prompts-per-step") * number(c, "group-size");
        if (rows > max) {
          throw bad("prompts-per-step", "times group-size must be at most " + (long) max + " (campaign-limits."
              + key + ")", (long) rows);
        }
      } else if (key.equals("data.families")) {
        if (c.getList(key).size() > max) {
          throw bad(key, "must list at most " + (long) max + " families", c.getList(key).size());
        }
      } else if (c.hasPath(key) && number(c, key) > max) {
        throw bad(key, "must be at most " + (max == Math.rint(max) ? String.valueOf((long) max) : max)
            + " (campaign-limits." + key + ")", c.getValue(key).unwrapped());
      }
    }
  }

  private static double number(Config c, String key) {
    return c.getNumber(key).doubleValue();
  }

  private static CampaignSpec validate(Config c) {
    Data data = new Data(c.getString("data.world"), split(c, "data.split"), c.getStringList("data.families"),
        c.getBoolean("data.perception"));
    Rollout rollout = new Rollout(CHECK.aboveZero(c, "rollout.temperature"), CHECK.unitInterval(c, "rollout.top-p"),
        CHECK.atLeastOne(c, "rollout.max-new-tokens"), CHECK.atLeastOne(c, "rollout.micro-batch"),
        c.getBoolean("rollout.require-claims"), c.getBoolean("rollout.dynamic-sampling"),
        CHECK.notNegative(c, "rollout.max-rounds"), c.getBoolean("rollout.overlong-penalty"),
        CHECK.atLeastOne(c, "rollout.overlong-buffer"), CHECK.notNegativeReal(c, "rollout.overlong-factor"));
    if (rollout.microBatch() % c.getInt("group-size") != 0) {
      throw new IllegalArgumentException("rollout.micro-batch (" + rollout.microBatch()
          + ") must be a multiple of group-size (" + c.getInt("group-size") + "): shards hold whole groups");
    }
    if (rollout.overlongBuffer() >= rollout.maxNewTokens()) {
      throw new IllegalArgumentException("rollout.overlong-buffer (" + rollout.overlongBuffer()
          + ") must be below rollout.max-new-tokens (" + rollout.maxNewTokens() + ")");
    }
    Algorithm algorithm = new Algorithm(c.getString("algorithm.estimator"), c.getBoolean("algorithm.normalize-by-std"),
        CHECK.notNegativeReal(c, "algorithm.alpha"), CHECK.notNegativeReal(c, "algorithm.zero-variance-scale"),
        c.getBoolean("algorithm.content-tokens-only"), c.getString("algorithm.token-shaper"),
        CHECK.notNegativeReal(c, "algorithm.claim-credit"));
    // Built once here so that a name no registry knows fails before any work starts.
    named(c, "algorithm.estimator", name -> AdvantageEstimator.REGISTRY.create(name, algorithm));
    named(c, "algorithm.token-shaper", name -> TokenShaper.REGISTRY.create(name, algorithm));
    float low = CHECK.aboveZero(c, "actor.clip-low");
    if (low >= 1) {
      throw bad("actor.clip-low", "must be below 1", low);
    }
    float dual = (float) CHECK.notNegativeReal(c, "actor.dual-clip");
    if (dual > 0 && dual <= 1) {
      throw bad("actor.dual-clip", "must be above 1 (or 0 for off)", dual);
    }
    Update update = new Update(CHECK.aboveZero(c, "actor.lr"), CHECK.notNegative(c, "actor.warmup"),
        (float) CHECK.notNegativeReal(c, "actor.weight-decay"), (float) CHECK.notNegativeReal(c, "actor.grad-clip"),
        new PolicyLoss.Clip(low, CHECK.aboveZero(c, "actor.clip-high"), dual),
        named(c, "actor.loss-agg", LossAggregation::byName), (float) CHECK.notNegativeReal(c, "actor.kl-coef"),
        named(c, "actor.kl-estimator", KlEstimator::byName), CHECK.atLeastOne(c, "actor.ppo-epochs"),
        CHECK.atLeastOne(c, "actor.mini-batches"), CHECK.atLeastOne(c, "actor.micro-batch"),
        c.getBoolean("actor.freeze-vision-tower"), c.getBoolean("actor.grad-agreement"));
    Trainer trainer = new Trainer(CHECK.notNegative(c, "trainer.checkpoint-every"),
        CHECK.notNegative(c, "trainer.keep-checkpoints"), CHECK.notNegative(c, "trainer.eval-every"),
        CHECK.notNegative(c, "trainer.eval-n"), split(c, "trainer.eval-split"));
    if (trainer.keepCheckpoints() == 1) {
      throw bad("trainer.keep-checkpoints", "must be 0 (keep all) or at least 2: a node that dies between writing a"
          + " checkpoint and journaling its step resumes from the one before", 1);
    }
    CampaignSpec spec = new CampaignSpec(c.getString("name"), c.getLong("seed"), c.getString("policy"),
        c.getString("verifier"), c.getString("out"), data, CHECK.atLeastOne(c, "steps"),
        CHECK.atLeastOne(c, "prompts-per-step"), CHECK.atLeastOne(c, "group-size"), rollout, algorithm, update, trainer,
        c.root().render(ConfigRenderOptions.concise()));
    if (spec.policy().isBlank()) {
      throw new IllegalArgumentException("policy: a policy checkpoint is required");
    }
    if (spec.verifier().isBlank() && algorithm.alpha() > 0 && data.perception()) {
      throw new IllegalArgumentException("verifier: algorithm.alpha is " + algorithm.alpha()
          + " on perception data but no verifier is given (set verifier, or alpha = 0)");
    }
    if (spec.verifier().isBlank() && algorithm.claimCredit() > 0 && data.perception()) {
      throw new IllegalArgumentException("verifier: algorithm.claim-credit is " + algorithm.claimCredit()
          + " on perception data but no verifier is given to judge the claims");
    }
    if (update.miniBatches() > spec.promptsPerStep() * spec.groupSize()) {
      throw bad("actor.mini-batches", "must not exceed the rollouts per step ("
          + spec.promptsPerStep() * spec.groupSize() + ")", update.miniBatches());
    }
    if (spec.name().isBlank() || !spec.name().matches("[A-Za-z0-9._-]+")) {
      throw bad("name", "must be letters, digits, '.', '_' or '-'", "'" + spec.name() + "'");
    }
    return spec;
  }

  /** The spec with every key resolved, as JSON (a subset of HOCON): what is journaled and shown. */
  public String render() {
    return source;
  }

  /**
   * The spec a coordinator runs as campaign {@code id}: without an {@code out} of its own it
   * writes to {@code runs/<id>}, so two campaigns of one name never share checkpoints.
   */
  public CampaignSpec keyedBy(String id) {
    return out.isBlank() ? with(Map.of("out", "\"runs/" + id + "\"")) : this;
  }

  /** Where the campaign writes. */
  public Path outDir() {
    return Path.of(out.isBlank() ? "runs/" + name : out);
  }

  private static <T> T named(Config c, String key, java.util.function.Function<String, T> parse) {
    try {
      return parse.apply(c.getString(key));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage());
    }
  }

  private static Split split(Config c, String key) {
    try {
      return Split.parse(c.getString(key));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage());
    }
  }


  private static IllegalArgumentException bad(String key, String rule, Object value) {
    return CHECK.invalid(key, rule, value);
  }
}
