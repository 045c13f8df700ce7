package dev.octosts.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.exchange.GrpcCode;

/** The grpc-gateway error body: {@code {"code":<gRPC code>,"message":"...","details":[]}}. */
final class GrpcError {
    private GrpcError() {
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
