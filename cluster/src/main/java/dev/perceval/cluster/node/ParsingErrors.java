package dev.perceval.cluster.node;

import akka.event.LoggingAdapter;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpResponse;
import akka.http.scaladsl.model.ErrorInfo;
import akka.http.scaladsl.model.StatusCode;
import akka.http.scaladsl.settings.ServerSettings;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;

/**
 * The answer to a request too malformed to reach a route (akka.http.server.parsing.error-handler):
 * the API's JSON error with akka-http's reason. An unknown method or HTTP version is the client's
 * mistake here, so it is 400 where akka-http would say 501 or 505: this API answers every request
 * it cannot serve with a 4xx.
 */
public final class ParsingErrors extends akka.http.ParsingErrorHandler {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public HttpResponse handle(StatusCode status, ErrorInfo info, LoggingAdapter log, ServerSettings settings) {
    int code = status.intValue() >= 500 ? 400 : status.intValue();
    String reason = info.summary().isEmpty() ? status.reason() : info.summary();
    try {
      return HttpResponse.create().withStatus(code)
          .withEntity(ContentTypes.APPLICATION_JSON, JSON.writeValueAsString(Map.of("error", reason)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
