package dev.octosts.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.exchange.ExchangeRecord;
import dev.octosts.exchange.GrpcCode;
import dev.octosts.exchange.RevocationRequest;
import dev.octosts.exchange.TokenRevocation;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.List;
import java.util.UUID;

/**
 * {@code DELETE /sts/token} with {@code Authorization: Bearer <GitHub token>}: 204 when the token was
 * revoked or had already ended, otherwise the grpc-gateway error shape (404 for a token this service
 * never issued). A body is never read: the request carries nothing but its header.
 */
final class RevocationHandler {
    private final TokenRevocation revocation;
    private final ObjectMapper json;
    private final ClientAddress clientAddress;
    private final OverBudgetAnswers overBudget;

    RevocationHandler(TokenRevocation revocation, ObjectMapper json, ClientAddress clientAddress,
                      OverBudgetAnswers overBudget) {
        this.revocation = revocation;
        this.json = json;
        this.clientAddress = clientAddress;
        this.overBudget = overBudget;
    }

    void revoke(ServerRequest req, ServerResponse res) {
        String requestId = UUID.randomUUID().toString();
        res.header(ExchangeHandler.REQUEST_ID, requestId);
        if (req.content().hasEntity()) {
            // Not read: the connection closes instead of draining a body nobody asked for.
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
        List<String> authorization = req.headers().contains(HeaderNames.AUTHORIZATION)
                ? List.copyOf(req.headers().get(HeaderNames.AUTHORIZATION).allValues())
                : List.of();
        String userAgent = req.headers().contains(HeaderNames.USER_AGENT)
                ? String.join(" ", req.headers().get(HeaderNames.USER_AGENT).allValues())
                : "";
        ExchangeRecord record = revocation.revoke(new RevocationRequest(requestId, authorization,
                clientAddress.of(req), userAgent)).record();
        if (record.code() == GrpcCode.OK) {
            res.status(Status.NO_CONTENT_204);
            res.send();
            return;
        }
        overBudget.beforeRefusal(res, record);
        res.status(Status.create(record.code().httpStatus()));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(GrpcError.body(json, record.code(), record.message()));
    }
}
