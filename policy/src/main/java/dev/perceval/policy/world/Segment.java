package dev.perceval.policy.world;

import java.util.List;

/**
 * One "."-separated piece of a response's thinking ({@link Answers#thinkSpans}) and what it is.
 * Words map one to one to token ids, so the span indexes a response's ids as well.
 *
 * @param start index of its first word in the response
 * @param end one past its last word (the separating "." is not part of it)
 * @param kind what {@link Judge} reads it as
 * @param claim the asserted fact when the segment is a perception claim, else null
 */
public record Segment(int start, int end, List<String> words, Kind kind, Fact claim) {
  /** What a segment of thinking is. */
  public enum Kind {
    /** A perception claim in the world's format. */
    CLAIM,
    /** "wait , let me look again [at ROW COL]". */
    REFLECTION,
    /** Reasoning over the stated claims (it has one of the world's reasoning markers). */
    REASONING,
    /** Words about the image that are neither a claim nor reasoning: a half or malformed claim. */
    STATEMENT,
    /** Words that say nothing about the image: not judged. */
    OTHER
  }

  public boolean isClaim() {
    return kind == Kind.CLAIM;
  }

  /** Whether verifiers judge it: every kind but words that say nothing about the image. */
  public boolean judged() {
    return kind != Kind.OTHER;
  }

  public String text() {
    return String.join(" ", words);
  }
}
