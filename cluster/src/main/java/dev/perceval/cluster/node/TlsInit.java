package dev.perceval.cluster.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes what {@link Tls} reads, with the JDK's own keytool: a CA ({@code ca.p12}, its
 * certificate {@code ca.crt}), a trust store holding only that certificate, one key store per
 * node name with a key and a certificate the CA signed (server and client use, the given subject
 * alternative names), and the random password of all the stores ({@code store-password}). Keys
 * are EC P-256. Keep {@code ca.p12} off the nodes: it signs new members.
 */
public final class TlsInit {
  /** Days a node certificate is valid: the longest a browser accepts, renewed by running init again. */
  static final int NODE_DAYS = 825;

  private TlsInit() {}

  /** Writes the CA and stores for {@code nodes} under {@code out}, which must not hold a CA yet. */
  public static void create(Path out, List<String> nodes, List<String> sans) throws IOException {
    for (String n : nodes) {
      if (!n.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")) {
        throw new IllegalArgumentException("node name '" + n + "' must be letters, digits, '.', '_' or '-'");
      }
    }
    List<String> ext = new ArrayList<>();
    for (String s : sans) {
      String v = s.strip();
      if (!v.matches("[A-Za-z0-9.:\\-*]+")) {
        throw new IllegalArgumentException("subject alternative name '" + s + "' is not a host name or address");
      }
      ext.add((v.matches("[0-9.]+") || v.contains(":") ? "ip:" : "dns:") + v);
    }
    Files.createDirectories(out);
    if (Files.exists(out.resolve("ca.p12"))) {
      throw new IllegalArgumentException(out + " already holds a CA (ca.p12); choose another --out or remove it");
    }
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    String password = HexFormat.of().formatHex(random);
    Path pw = out.resolve("store-password");
    Files.writeString(pw, password + "\n", StandardCharsets.UTF_8);
    ownerOnly(pw);
    keytool(out, password, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=perceval CA", "-ext", "bc:c", "-validity", "3650", "-keystore", "ca.p12");
    keytool(out, password, "-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-file", "ca.crt");
    keytool(out, password, "-importcert", "-noprompt", "-alias", "ca", "-file", "ca.crt", "-keystore",
        "truststore.p12");
    for (String node : nodes) {
      String store = node + ".p12";
      keytool(out, password, "-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1",
          "-dname", "CN=" + node + ", O=perceval", "-validity", String.valueOf(NODE_DAYS), "-keystore", store);
      keytool(out, password, "-certreq", "-alias", "node", "-keystore", store, "-file", node + ".csr");
      List<String> sign = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", "ca.p12",
          "-infile", node + ".csr", "-outfile", node + ".crt", "-validity", String.valueOf(NODE_DAYS),
          "-ext", "KU=digitalSignature", "-ext", "EKU=serverAuth,clientAuth"));
      if (!ext.isEmpty()) {
        sign.addAll(List.of("-ext", "SAN=" + String.join(",", ext)));
      }
      keytool(out, password, sign.toArray(String[]::new));
      keytool(out, password, "-importcert", "-noprompt", "-alias", "ca", "-file", "ca.crt", "-keystore", store);
      keytool(out, password, "-importcert", "-alias", "node", "-file", node + ".crt", "-keystore", store);
      Files.delete(out.resolve(node + ".csr"));
      ownerOnly(out.resolve(store));
    }
    ownerOnly(out.resolve("ca.p12"));
  }

  private static void ownerOnly(Path f) throws IOException {
    try {
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: its own permissions apply.
    }
  }

  private static void keytool(Path dir, String password, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    // The password reaches keytool through its environment, never its command line (ps shows that).
    cmd.addAll(List.of("-storetype", "PKCS12", "-storepass:env", "PERCEVAL_TLS_PW"));
    if (List.of(args).contains("-genkeypair")) {
      cmd.addAll(List.of("-keypass:env", "PERCEVAL_TLS_PW"));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().put("PERCEVAL_TLS_PW", password);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException("keytool " + args[0] + " failed: " + output.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
