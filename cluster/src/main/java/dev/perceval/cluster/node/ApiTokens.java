package dev.perceval.cluster.node;

import com.typesafe.config.Config;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Bearer tokens for the HTTP API, from a file of lines {@code TOKEN SCOPE[,SCOPE]} ({@code #}
 * starts a comment). Only SHA-256 digests are kept, and a presented token is compared with every
 * one of them in constant time, so neither timing nor a heap dump gives a token away. A token is
 * never logged or echoed, not even in an error about its own line.
 */
public final class ApiTokens {
  /** What a token may do: read (status, metrics, TTS) or submit (campaigns and their control). */
  public enum Scope {
    READ, SUBMIT;

    /** The scope {@code s} names (any case), or an IllegalArgumentException naming it. */
    public static Scope of(String s) {
      try {
        return valueOf(s.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown scope '" + s.strip() + "' (read or submit)");
      }
    }
  }

  /** The outcome of checking one request. */
  public enum Verdict { ALLOWED, NO_TOKEN, WRONG_TOKEN, OUT_OF_SCOPE }

  /** Shorter tokens are refused at start: the API is reachable from the network when tokens matter. */
  public static final int MIN_LENGTH = 16;

  private record Entry(byte[] digest, Set<Scope> scopes) {}

  private final List<Entry> entries;
  private final boolean required;

  private ApiTokens(List<Entry> entries, boolean required) {
    this.entries = entries;
    this.required = required;
  }

  /** Every request allowed: loopback without a tokens file, or a node started with --insecure. */
  public static ApiTokens open() {
    return new ApiTokens(List.of(), false);
  }

  /**
   * The tokens {@code perceval.http.auth} names. A node whose API binds a non-loopback interface
   * needs them unless {@code perceval.http.auth.insecure} is on; on loopback they are optional
   * (the developer flow and the quickstart need none), and required once given.
   */
  public static ApiTokens from(Config config) {
    Config auth = config.getConfig("perceval.http.auth");
    String file = auth.getString("tokens-file");
    boolean insecure = auth.getBoolean("insecure");
    String iface = config.getString("perceval.http.interface");
    if (file.isBlank()) {
      if (!isLoopback(iface) && !insecure) {
        throw new IllegalArgumentException("the HTTP API binds " + iface + ", which is not loopback, and has no tokens:"
            + " name a tokens file (--tokens-file, perceval.http.auth.tokens-file or PERCEVAL_TOKENS_FILE; make one"
            + " with ./perceval token) or start with --insecure");
      }
      return open();
    }
    return parse(Path.of(file));
  }

  static ApiTokens parse(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("tokens file " + file + " cannot be read (" + e.getClass().getSimpleName()
          + ")");
    }
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int hash = line.indexOf('#');
      String[] fields = (hash >= 0 ? line.substring(0, hash) : line).strip().split("\\s+");
      if (fields.length == 1 && fields[0].isEmpty()) {
        continue;
      }
      if (fields.length != 2) {
        throw new IllegalArgumentException("tokens file " + file + " line " + (i + 1)
            + ": expected TOKEN SCOPE[,SCOPE] (scopes read, submit)");
      }
      if (fields[0].length() < MIN_LENGTH) {
        throw new IllegalArgumentException("tokens file " + file + " line " + (i + 1) + ": the token is shorter than "
            + MIN_LENGTH + " characters (make one with ./perceval token)");
      }
      Set<Scope> scopes = EnumSet.noneOf(Scope.class);
      for (String s : fields[1].split(",")) {
        try {
          scopes.add(Scope.of(s));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("tokens file " + file + " line " + (i + 1) + ": " + e.getMessage());
        }
      }
      entries.add(new Entry(sha256(fields[0]), scopes));
    }
    if (entries.isEmpty()) {
      throw new IllegalArgumentException("tokens file " + file + " holds no token");
    }
    return new ApiTokens(List.copyOf(entries), true);
  }

  public boolean required() {
    return required;
  }

  /** Checks an {@code Authorization} header value (null when absent) against the scope a route needs. */
  public Verdict check(String authorization, Scope needed) {
    if (!required) {
      return Verdict.ALLOWED;
    }
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Verdict.NO_TOKEN;
    }
    byte[] presented = sha256(authorization.substring(7).strip());
    Entry match = null;
    for (Entry e : entries) {
      // Every entry is compared, so the time taken does not say which one matched.
      if (MessageDigest.isEqual(e.digest(), presented)) {
        match = e;
      }
    }
    return match == null ? Verdict.WRONG_TOKEN : match.scopes().contains(needed) ? Verdict.ALLOWED
        : Verdict.OUT_OF_SCOPE;
  }

  /** A new random token line for a tokens file: 32 bytes of SecureRandom, hex. */
  public static String newLine(Set<Scope> scopes) {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b) + " " + String.join(",",
        scopes.stream().map(s -> s.name().toLowerCase(Locale.ROOT)).toList());
  }

  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
