package dev.octosts.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.exchange.ExchangeRecord;
import dev.octosts.exchange.ExchangeRequest;
import dev.octosts.exchange.ExchangeResult;
import dev.octosts.exchange.ExchangeService;
import io.helidon.http.BadRequestException;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * {@code GET|POST /sts/exchange}, as Octo STS's grpc-gateway serves it: the bearer token from the
 * {@code Authorization} header; {@code scope}, {@code scopes} and {@code identity} from the query
 * string, a form body or a JSON body. Answers {@code {"token","expiry"}} or the grpc-gateway error shape.
 */
record ExchangeHandler(ExchangeService exchange, PublicApi api) {

    void exchange(ServerRequest req, ServerResponse res) {
        PublicApi.Caller caller = api.caller(req, res);
        ExchangeParameters params;
        try {
            params = parameters(req);
        } catch (IllegalArgumentException e) {
            if (req.content().hasEntity()) {
                // What is left of a body too large or malformed is not read and dropped: the connection closes.
                res.header(HeaderValues.CONNECTION_CLOSE);
            }
            respond(res, exchange.refuseMalformed(new ExchangeRequest(caller.requestId(), caller.authorization(), "",
                    List.of(), "", caller.address(), caller.userAgent()), e.getMessage()));
            return;
        }
        ExchangeResult result = exchange.exchange(new ExchangeRequest(caller.requestId(), caller.authorization(),
                params.scope(), params.scopes(), params.identity(), caller.address(), caller.userAgent(),
                params.downScoping()));
        respond(res, result);
    }

    void exchangeRefreshToken(ServerRequest req, ServerResponse res) {
        PublicApi.Caller caller = api.caller(req, res);
        respond(res, exchange.exchangeRefreshToken(new ExchangeRequest(caller.requestId(), caller.authorization(), "",
                List.of(), "", caller.address(), caller.userAgent())));
    }

    private void respond(ServerResponse res, ExchangeResult result) {
        if (!result.allowed()) {
            ExchangeRecord record = result.record();
            api.overBudget().beforeRefusal(res, result);
            GrpcError.send(res, api.json(), record.code(), record.message());
            return;
        }
        ObjectMapper json = api.json();
        ObjectNode body = json.createObjectNode();
        body.put("token", result.token().token());
        body.put("expiry", result.token().expiresAtRaw());
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        try {
            res.send(json.writeValueAsBytes(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree of strings always serialises", e);
        }
    }

    /** Query parameters, overridden by a form or JSON body's fields when the request has one. */
    private ExchangeParameters parameters(ServerRequest req) {
        ExchangeParameters fromQuery = ExchangeParameters.fromQuery(req.query());
        if (req.prologue().method() != Method.POST || !req.content().hasEntity()) {
            return fromQuery;
        }
        return fromQuery.overriddenBy(contentType(req), boundedBody(req), api.json());
    }

    /** The media type, lower case ("" when absent). */
    static String contentType(ServerRequest req) {
        try {
            return req.headers().contentType().map(type -> type.mediaType().text().toLowerCase(Locale.ROOT)).orElse("");
        } catch (BadRequestException e) {
            // Helidon parses the header only when asked: a malformed one is the caller's mistake, to be recorded.
            throw new IllegalArgumentException("Content-Type header cannot be parsed");
        }
    }

    /** The body, at most {@link StsServer#MAX_PAYLOAD} bytes even when the listener allows webhook-sized ones. */
    static String boundedBody(ServerRequest req) {
        try (java.io.InputStream in = req.content().inputStream()) {
            byte[] bytes = in.readNBytes(Math.toIntExact(StsServer.MAX_PAYLOAD + 1));
            if (bytes.length > StsServer.MAX_PAYLOAD) {
                throw new IllegalArgumentException("request body too large");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
