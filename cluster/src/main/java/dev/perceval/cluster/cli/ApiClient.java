package dev.perceval.cluster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The CLI's side of the node HTTP API: JSON in, the server's error message out as an exception. */
final class ApiClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String base;
  private final String token;
  private final HttpClient http;

  ApiClient(String base) {
    this(base, null, null);
  }

  /**
   * {@code token}: the bearer token a node with tokens asks for, or null; {@code tls}: the
   * context an https:// node is checked with, or null for the JDK's default trust.
   */
  ApiClient(String base, String token, javax.net.ssl.SSLContext tls) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.token = token;
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    this.http = (tls == null ? b : b.sslContext(tls)).build();
  }

  JsonNode post(String path, String body) {
    return send(request(path).header("Content-Type", "application/hocon")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  JsonNode get(String path) {
    return send(request(path).GET().build());
  }

  private HttpRequest.Builder request(String path) {
    // A chat-completions request may wait for its whole TTS session (perceval.tts.timeout).
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(360));
    return token == null ? b : b.header("Authorization", "Bearer " + token);
  }

  private JsonNode send(HttpRequest request) {
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      JsonNode body = r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
      if (r.statusCode() >= 400) {
        JsonNode error = body.path("error");
        // OpenAI-shaped errors nest the message; the campaign API's is a string.
        String message = error.isObject() ? error.path("message").asText() : error.asText();
        if (r.statusCode() == 401 && token == null) {
          message += "; pass one with --token or PERCEVAL_TOKEN";
        }
        throw new IllegalArgumentException(message.isEmpty() ? "HTTP " + r.statusCode() : message);
      }
      return body;
    } catch (ConnectException e) {
      throw new IllegalStateException("no perceval node answers at " + base + " (start one with ./perceval node)");
    } catch (javax.net.ssl.SSLException e) {
      throw new IllegalStateException("TLS with " + base + " failed (" + e.getMessage() + "); pass the node's CA"
          + " certificate with --cacert or PERCEVAL_CACERT", e);
    } catch (IOException e) {
      throw new IllegalStateException("request to " + base + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
