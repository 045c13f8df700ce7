package dev.octosts.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.List;
import java.util.UUID;

/**
 * What the handlers of the public listener share, passed to each as one value: the JSON mapper of their
 * answers, where a request comes from (behind the trusted proxies), and how answers over budget are held.
 * Reads a request's caller the way the ledger records it, under a new request id that the answer carries as
 * {@code X-Request-Id}.
 */
record PublicApi(ObjectMapper json, ClientAddress clientAddress, OverBudgetAnswers overBudget) {
    static final HeaderName REQUEST_ID = HeaderNames.create("X-Request-Id");

    /** Who sent a request: its id, its {@code Authorization} headers, the client's address and user agent. */
    record Caller(String requestId, List<String> authorization, String address, String userAgent) {
    }

    /** The caller of {@code req}, under a new request id set on {@code res}. */
    Caller caller(ServerRequest req, ServerResponse res) {
        String requestId = UUID.randomUUID().toString();
        res.header(REQUEST_ID, requestId);
        return new Caller(requestId, authorization(req), clientAddress.of(req), userAgent(req));
    }

    /** Every {@code Authorization} header value (the exchange refuses more than one). */
    static List<String> authorization(ServerRequest req) {
        return req.headers().contains(HeaderNames.AUTHORIZATION)
                ? List.copyOf(req.headers().get(HeaderNames.AUTHORIZATION).allValues())
                : List.of();
    }

    static String userAgent(ServerRequest req) {
        // All values joined by one space, as Octo STS records them.
        return req.headers().contains(HeaderNames.USER_AGENT)
                ? String.join(" ", req.headers().get(HeaderNames.USER_AGENT).allValues())
                : "";
    }
}
