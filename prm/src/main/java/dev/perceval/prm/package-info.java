/**
 * Perceval, the perception-centric process reward model: claim parsing and span alignment, the
 * scene-truth oracle, perception-intensive data synthesis, and the learned verifier.
 */
package dev.perceval.prm;
