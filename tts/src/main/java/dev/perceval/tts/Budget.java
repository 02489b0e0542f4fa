package dev.perceval.tts;

/**
 * What a strategy spent: tokens the policy generated, sequences it was asked for, and responses
 * the PRM verified. Strategies are compared at equal budgets, not only at equal k.
 */
public record Budget(long generatedTokens, int policyCalls, int prmCalls) {
  public static final Budget ZERO = new Budget(0, 0, 0);

  public Budget plus(Budget o) {
    return new Budget(generatedTokens + o.generatedTokens, policyCalls + o.policyCalls, prmCalls + o.prmCalls);
  }

  public Budget generated(long tokens) {
    return new Budget(generatedTokens + tokens, policyCalls + 1, prmCalls);
  }

  public Budget verified(int responses) {
    return new Budget(generatedTokens, policyCalls, prmCalls + responses);
  }
}
