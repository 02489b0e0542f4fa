package dev.perceval.tts;

import dev.perceval.prm.FlaggedClaim;
import java.util.List;

/**
 * One response a strategy produced and what became of it.
 *
 * @param response the whole response (kept prefix + new tokens)
 * @param kept how many leading tokens the policy did not generate this round: the previous
 *     round's verified prefix and any reflection sentence (0 for a fresh sample)
 * @param flagged the PRM's flagged claims (empty when the strategy does not verify)
 * @param cutAt where the next round cuts this response (before its earliest flagged token), or -1
 * @param reflection the sentence appended after the cut (truncate-thinking), or null
 * @param answer the extracted answer, or null when the format does not hold
 */
public record Round(int[] response, int kept, List<FlaggedClaim> flagged, int cutAt, String reflection,
    String answer) {}
