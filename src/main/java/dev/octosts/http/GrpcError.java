package dev.octosts.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.exchange.GrpcCode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/** The grpc-gateway error body: {@code {"code":<gRPC code>,"message":"...","details":[]}}. */
final class GrpcError {
    private GrpcError() {
    }

    /** Answers with {@code code}'s HTTP status and the error body. */
    static void send(ServerResponse res, ObjectMapper json, GrpcCode code, String message) {
        res.status(Status.create(code.httpStatus()));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body(json, code, message));
    }

    static byte[] body(ObjectMapper json, GrpcCode code, String message) {
        ObjectNode node = json.createObjectNode();
        node.put("code", code.value());
        node.put("message", message);
        node.putArray("details");
        try {
            return json.writeValueAsBytes(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree of strings always serialises", e);
        }
    }
}
