/**
 * Test-time scaling strategies over a policy and a verifier: truncate-regenerate,
 * truncate-thinking, majority vote and PRM best-of-N, with budget accounting.
 */
package dev.perceval.tts;
