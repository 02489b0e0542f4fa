package dev.perceval.actors;

/**
 * Marker for every message that may cross a node boundary: bound to Jackson CBOR in
 * reference.conf. Java serialization is off, so a message without it cannot be sent remotely,
 * and a test fails for any message class that lacks it.
 */
public interface CborSerializable {}
