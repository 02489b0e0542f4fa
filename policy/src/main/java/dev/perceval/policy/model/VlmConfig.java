package dev.perceval.policy.model;

/**
 * Shape of the network. The image is cut into {@code patch x patch} tiles that form a prefix of
 * {@code (imageSize/patch)^2} tokens; text follows with learned 1-D positions.
 *
 * @param stemChannels 0: tiles are embedded from raw pixels. Above 0: two 3x3 convolutions with
 *     this many channels run first, so each tile is embedded from local stroke features.
 * @param mode POLICY: causal text, next-token logits over the vocabulary. VERIFIER: every
 *     position sees the whole sequence, one error logit per token.
 */
public record VlmConfig(
    int imageSize, int patch, int stemChannels, int dModel, int layers, int heads, int vocab, int maxText,
    Mode mode) {

  public enum Mode { POLICY, VERIFIER }

  public VlmConfig {
    mode = mode == null ? Mode.POLICY : mode;
    require(imageSize >= 8, "imageSize must be at least 8, got " + imageSize);
    require(patch >= 1 && imageSize % patch == 0,
        "patch (" + patch + ") must divide imageSize (" + imageSize + ")");
    require(stemChannels >= 0, "stemChannels must not be negative, got " + stemChannels);
    require(dModel >= 8, "dModel must be at least 8, got " + dModel);
    require(heads >= 1 && dModel % heads == 0,
        "heads (" + heads + ") must divide dModel (" + dModel + ")");
    require(layers >= 1, "layers must be at least 1, got " + layers);
    require(vocab >= 4, "vocab must be at least 4, got " + vocab);
    require(maxText >= 8, "maxText must be at least 8, got " + maxText);
  }

  public int grid() {
    return imageSize / patch;
  }

  public int imageTokens() {
    return grid() * grid();
  }

  public int patchDim() {
    return (stemChannels > 0 ? stemChannels : 3) * patch * patch;
  }

  public int headDim() {
    return dModel / heads;
  }

  public VlmConfig withVocab(int v) {
    return new VlmConfig(imageSize, patch, stemChannels, dModel, layers, heads, v, maxText, mode);
  }

  public VlmConfig withMode(Mode m) {
    return new VlmConfig(imageSize, patch, stemChannels, dModel, layers, heads, vocab, maxText, m);
  }

  /** Width of the output head: the vocabulary for a policy, one error logit for a verifier. */
  public int outputs() {
    return mode == Mode.POLICY ? vocab : 1;
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException("model config: " + message);
    }
  }
}
