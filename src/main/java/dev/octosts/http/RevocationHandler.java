package dev.octosts.http;

import dev.octosts.exchange.ExchangeRecord;
import dev.octosts.exchange.ExchangeResult;
import dev.octosts.exchange.GrpcCode;
import dev.octosts.exchange.RevocationRequest;
import dev.octosts.exchange.TokenRevocation;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code DELETE /sts/token} with {@code Authorization: Bearer <GitHub token>}: 204 when the token was
 * revoked or had already ended, otherwise the grpc-gateway error shape (404 for a token this service
 * never issued). A body is never read: the request carries nothing but its header.
 */
record RevocationHandler(TokenRevocation revocation, PublicApi api) {

    void revoke(ServerRequest req, ServerResponse res) {
        PublicApi.Caller caller = api.caller(req, res);
        if (req.content().hasEntity()) {
            // Not read: the connection closes instead of draining a body nobody asked for.
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
        ExchangeResult result = revocation.revoke(new RevocationRequest(caller.requestId(), caller.authorization(),
                caller.address(), caller.userAgent()));
        ExchangeRecord record = result.record();
        if (record.code() == GrpcCode.OK) {
            res.status(Status.NO_CONTENT_204);
            res.send();
            return;
        }
        api.overBudget().beforeRefusal(res, result);
        GrpcError.send(res, api.json(), record.code(), record.message());
    }
}
