package dev.perceval.cluster.node;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.RejectionHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Errors of the {@code /v1} routes in OpenAI's shape, {@code {"error": {"message", "type",
 * "param", "code"}}}, with the status OpenAI would answer: its clients pick their exception class
 * by the status (400 BadRequestError, 401 AuthenticationError, 404 NotFoundError, 429
 * RateLimitError...) and show the message.
 */
final class OpenAiErrors {
  private static final ObjectMapper JSON = new ObjectMapper();

  private OpenAiErrors() {}

  /** A request refused before any session starts, with what OpenAI would say about it. */
  static final class Refusal extends RuntimeException {
    final StatusCode status;
    final String param;
    final String code;

    Refusal(StatusCode status, String message, String param, String code) {
      super(message);
      this.status = status;
      this.param = param;
      this.code = code;
    }

    /** A value out of range or of the wrong type: 400. */
    static Refusal invalid(String param, String message) {
      return new Refusal(StatusCodes.BAD_REQUEST, message, param, null);
    }

    /** A parameter this node does not honour: 400 rather than an answer that silently ignores it. */
    static Refusal unsupportedParameter(String param, String why) {
      return new Refusal(StatusCodes.BAD_REQUEST, "unsupported parameter '" + param + "': " + why, param,
          "unsupported_parameter");
    }

    /** A value of a known parameter that this node cannot honour. */
    static Refusal unsupportedValue(String param, String message) {
      return new Refusal(StatusCodes.BAD_REQUEST, message, param, "unsupported_value");
    }

    /** A model the node cannot serve, whether or not something lies at that path: 404. */
    static Refusal modelNotFound(String message) {
      return new Refusal(StatusCodes.NOT_FOUND, message, "model", "model_not_found");
    }

    /** The same refusal in other words. */
    Refusal withMessage(String message) {
      return new Refusal(status, message, param, code);
    }

    HttpResponse response() {
      return OpenAiErrors.response(status, getMessage(), param, code);
    }
  }

  /** OpenAI's error type for a status: what its clients and dashboards group errors by. */
  static String type(StatusCode status) {
    int s = status.intValue();
    return s == 429 ? "rate_limit_error" : s == 504 ? "timeout" : s >= 500 ? "server_error"
        : s == 403 ? "permission_error" : "invalid_request_error";
  }

  static Map<String, Object> body(StatusCode status, String message, String param, String code) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("message", message);
    error.put("type", type(status));
    error.put("param", param);
    error.put("code", code);
    return Map.of("error", error);
  }

  static HttpResponse response(StatusCode status, String message, String param, String code) {
    return HttpResponse.create().withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, json(body(status, message, param, code))));
  }

  static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * akka-http's own answers under {@code /v1} (no such route, wrong method, body too large, ...)
   * in OpenAI's shape, with their status and headers (Allow on a 405).
   */
  static final RejectionHandler REJECTIONS = RejectionHandler.defaultHandler().mapRejectionResponse(response -> {
    if (response.entity() instanceof HttpEntity.Strict strict
        && !strict.getContentType().equals(ContentTypes.APPLICATION_JSON)) {
      String reason = strict.getData().utf8String();
      String code = response.status().intValue() == 404 ? "unknown_url" : null;
      return response(response.status(), reason, null, code).addHeaders(response.getHeaders());
    }
    return response;
  });
}
