package dev.octosts.dev;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** One simulated GitHub answer before it goes on the wire. */
record GitHubSimResponse(int status, Map<String, String> headers, byte[] body) {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String DOCS = "https://docs.github.com/rest";

    static GitHubSimResponse json(int status, Object body) {
        try {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Content-Type", "application/json; charset=utf-8");
            return new GitHubSimResponse(status, headers, JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a simulated response", e);
        }
    }

    static GitHubSimResponse message(int status, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("message", message);
        body.put("documentation_url", DOCS);
        body.put("status", Integer.toString(status));
        return json(status, body);
    }

    static GitHubSimResponse notFound() {
        return message(404, "Not Found");
    }

    static GitHubSimResponse noContent() {
        return new GitHubSimResponse(204, new LinkedHashMap<>(), new byte[0]);
    }

    static GitHubSimResponse raw(byte[] content) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/vnd.github.raw; charset=utf-8");
        return new GitHubSimResponse(200, headers, content);
    }

    static GitHubSimResponse text(int status, Map<String, String> headers, String body) {
        Map<String, String> all = new LinkedHashMap<>();
        if (body != null && !body.isEmpty()) {
            all.put("Content-Type", "application/json; charset=utf-8");
        }
        all.putAll(headers);
        return new GitHubSimResponse(status, all, body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8));
    }

    GitHubSimResponse withHeader(String name, String value) {
        headers.put(name, value);
        return this;
    }
}
