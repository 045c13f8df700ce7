package dev.octosts.http;

import dev.octosts.webhook.WebhookService;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** {@code POST /webhook}: hands GitHub's delivery, headers and exact body bytes, to the webhook service. */
final class WebhookRoute {
    static final HeaderName EVENT = HeaderNames.create("X-GitHub-Event");
    static final HeaderName DELIVERY = HeaderNames.create("X-GitHub-Delivery");
    static final HeaderName SIGNATURE_256 = HeaderNames.create("X-Hub-Signature-256");
    static final HeaderName SIGNATURE = HeaderNames.create("X-Hub-Signature");

    private final WebhookService webhook;
    private final long maxBody;

    WebhookRoute(WebhookService webhook, long maxBody) {
        this.webhook = webhook;
        this.maxBody = maxBody;
    }

    void deliver(ServerRequest req, ServerResponse res) {
        byte[] body;
        try (InputStream in = req.content().inputStream()) {
            body = in.readNBytes(Math.toIntExact(maxBody + 1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        if (body.length > maxBody) {
            res.status(Status.REQUEST_ENTITY_TOO_LARGE_413);
            res.send("payload too large");
            return;
        }
        WebhookService.Response answer = webhook.deliver(new WebhookService.Delivery(header(req, HeaderNames.CONTENT_TYPE),
                header(req, SIGNATURE_256), header(req, SIGNATURE), header(req, EVENT), header(req, DELIVERY), body));
        res.status(Status.create(answer.status()));
        res.send(answer.message());
    }

    private static String header(ServerRequest req, HeaderName name) {
        return req.headers().first(name).orElse(null);
    }
}
