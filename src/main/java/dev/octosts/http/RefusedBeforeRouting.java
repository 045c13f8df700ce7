package dev.octosts.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.exchange.GrpcCode;
import dev.octosts.guard.Tarpit;
import dev.octosts.telemetry.Telemetry;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;

import java.util.Locale;

/**
 * Requests the HTTP layer refuses before any route sees them (a request line or header block over its
 * limit, bytes no header may hold, a malformed prologue): answered with the grpc-gateway error body like
 * every other refusal instead of an empty one, and counted, since no ledger record can be made for a
 * request that was never parsed. The message is fixed per kind: nothing the caller sent is echoed.
 */
record RefusedBeforeRouting(String listener, ObjectMapper json, Telemetry telemetry, Tarpit tarpit)
        implements DirectHandler {

    /**
     * The handlers of one listener: this one for every kind of early refusal. The caller's mistakes are
     * answered after the {@code tarpit}'s hold, so that a flood of oversized or malformed requests is slowed to
     * its own concurrency.
     */
    static DirectHandlers forListener(String listener, ObjectMapper json, Telemetry telemetry, Tarpit tarpit) {
        RefusedBeforeRouting handler = new RefusedBeforeRouting(listener, json, telemetry, tarpit);
        DirectHandlers.Builder handlers = DirectHandlers.builder();
        for (EventType type : EventType.values()) {
            handlers.addHandler(type, handler);
        }
        return handlers.build();
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status status,
                                    ServerResponseHeaders headers, String message) {
        if (eventType == EventType.INTERNAL_ERROR && request.method().isEmpty()) {
            // Helidon reports a request line it cannot read (a method with characters no method may hold) as an
            // internal error, before it knows the request: the caller sent it, so it is a bad request.
            eventType = EventType.BAD_REQUEST;
            status = Status.BAD_REQUEST_400;
        }
        telemetry.requestRefusedBeforeRouting(listener, eventType.name().toLowerCase(Locale.ROOT));
        if (eventType != EventType.INTERNAL_ERROR) {
            tarpit.hold(); // the connection closes after this answer whether or not it was held
        }
        GrpcCode code = switch (eventType) {
            case INTERNAL_ERROR -> GrpcCode.INTERNAL;
            case HTTP_VERSION_NOT_SUPPORTED -> GrpcCode.UNIMPLEMENTED;
            case FORBIDDEN -> GrpcCode.PERMISSION_DENIED;
            default -> GrpcCode.INVALID_ARGUMENT;
        };
        return TransportResponse.builder()
                .status(status)
                .headers(headers)
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .entity(GrpcError.body(json, code, status.reasonPhrase().toLowerCase(Locale.ROOT)))
                // A connection whose prologue could not be parsed cannot be trusted for a next request.
                .keepAlive(false)
                .build();
    }
}
