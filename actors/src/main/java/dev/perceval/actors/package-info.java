/**
 * Akka Typed behaviours and their protocols: coordinator, samplers, verifiers, learner, worker
 * groups and TTS sessions. Actors move data and hold state; the math lives in policy and prm.
 */
package dev.perceval.actors;
