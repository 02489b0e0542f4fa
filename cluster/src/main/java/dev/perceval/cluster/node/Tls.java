package dev.perceval.cluster.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS from a directory {@code ./perceval tls init} made ({@code perceval.tls.dir}): remoting over
 * Artery's {@code tls-tcp} with mutual authentication, so only a node holding a certificate of
 * the same CA joins, and the HTTP API over HTTPS with the node's certificate. Weights then go
 * over the encrypted remoting too: Aeron's UDP carries no TLS.
 */
public final class Tls {
  /** TLS 1.3 only: its suites do not depend on the key type, and older protocols are not needed. */
  static final List<String> SUITES = List.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256");

  private Tls() {}

  public static boolean enabled(Config config) {
    return !config.getString("perceval.tls.dir").isBlank();
  }

  /** {@code config} with remoting, the API and bulk transfer set for TLS when a TLS directory is named. */
  static Config apply(Config config) {
    if (!enabled(config)) {
      return config;
    }
    if (config.getString("akka.remote.artery.transport").equals("aeron-udp")) {
      throw new IllegalArgumentException("perceval.tls.dir is set but akka.remote.artery.transport is aeron-udp,"
          + " which has no TLS: use tcp (the default) with TLS");
    }
    Path keyStore = keyStore(config);
    Path trustStore = file(config, "truststore.p12");
    String password = password(config);
    Map<String, Object> ssl = Map.of(
        "key-store", keyStore.toString(), "key-store-password", password, "key-password", password,
        "trust-store", trustStore.toString(), "trust-store-password", password,
        "protocol", "TLSv1.3", "enabled-algorithms", SUITES, "require-mutual-authentication", true);
    return ConfigFactory.parseMap(Map.of("akka.remote.artery.transport", "tls-tcp",
            "akka.remote.artery.ssl.config-ssl-engine", ssl,
            "perceval.transport.bulk", "artery"))
        .withFallback(config);
  }

  /** The HTTP API's server context: the node's key and certificate chain. */
  static SSLContext serverContext(Config config) {
    try {
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(nodeKeyStore(config), password(config).toCharArray());
      SSLContext ctx = SSLContext.getInstance("TLSv1.3");
      ctx.init(kmf.getKeyManagers(), null, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the TLS key store " + keyStore(config) + " cannot be used ("
          + e.getMessage() + ")", e);
    }
  }

  /** The node's key store, opened with the password tls init wrote beside it. */
  private static KeyStore nodeKeyStore(Config config) {
    try (InputStream in = Files.newInputStream(keyStore(config))) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, password(config).toCharArray());
      return ks;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("the TLS key store " + keyStore(config) + " cannot be opened ("
          + e.getMessage() + "); is store-password the one tls init wrote beside it?", e);
    }
  }

  /** A client context that trusts exactly the CA certificate in {@code caCert} (PEM), as {@code --cacert} names it. */
  public static SSLContext clientContext(Path caCert) {
    try (InputStream in = Files.newInputStream(caCert)) {
      X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLSv1.3");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException("CA certificate " + caCert + " cannot be read as a PEM certificate ("
          + e.getMessage() + ")", e);
    }
  }

  private static Path keyStore(Config config) {
    return file(config, config.getString("perceval.tls.key-store"));
  }

  private static Path file(Config config, String name) {
    Path dir = Path.of(config.getString("perceval.tls.dir"));
    Path f = dir.resolve(name).toAbsolutePath().normalize();
    if (!Files.isRegularFile(f)) {
      throw new IllegalArgumentException("TLS: " + f + " not found (perceval.tls.dir " + dir
          + "; ./perceval tls init --out DIR makes it)");
    }
    return f;
  }

  private static String password(Config config) {
    Path f = file(config, "store-password");
    try {
      String p = Files.readString(f, StandardCharsets.UTF_8).strip();
      if (p.isEmpty()) {
        throw new IllegalArgumentException("TLS: " + f + " is empty");
      }
      return p;
    } catch (IOException e) {
      throw new IllegalArgumentException("TLS: " + f + " cannot be read (" + e.getMessage() + ")", e);
    }
  }

  /** The node certificate's subject, for the log line that says TLS is on. */
  static String subject(Config config) {
    try {
      KeyStore ks = nodeKeyStore(config);
      for (String alias : java.util.Collections.list(ks.aliases())) {
        if (ks.isKeyEntry(alias)) {
          return ((X509Certificate) ks.getCertificate(alias)).getSubjectX500Principal().getName();
        }
      }
      return "?";
    } catch (GeneralSecurityException e) {
      return "?";
    }
  }

  /** {@code config} with TLS from {@code dir} (perceval.tls.dir). */
  public static Config withDir(Config config, Path dir) {
    return config.withValue("perceval.tls.dir", ConfigValueFactory.fromAnyRef(dir.toAbsolutePath().toString()));
  }
}
