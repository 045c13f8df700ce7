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
import java.util.Arrays;
import java.util.concurrent.Semaphore;

/**
 * {@code POST /webhook}: hands GitHub's delivery, headers and exact body bytes, to the webhook service.
 * A body must be held whole before its signature can be checked, so the bytes held at once over all
 * deliveries are bounded: past {@link #MAX_HELD_BYTES}, a delivery gets 503 instead of the service
 * running out of memory for the exchange.
 */
final class WebhookRoute {
    /** Eight bodies of the largest size; real deliveries are a few KiB, so only a flood reaches it. */
    static final int MAX_HELD_BYTES = 32 * 1024 * 1024;
    static final HeaderName EVENT = HeaderNames.create("X-GitHub-Event");
    static final HeaderName DELIVERY = HeaderNames.create("X-GitHub-Delivery");
    static final HeaderName SIGNATURE_256 = HeaderNames.create("X-Hub-Signature-256");
    static final HeaderName SIGNATURE = HeaderNames.create("X-Hub-Signature");

    private final WebhookService webhook;
    private final long maxBody;
    private final Semaphore held = new Semaphore(MAX_HELD_BYTES);

    WebhookRoute(WebhookService webhook, long maxBody) {
        this.webhook = webhook;
        this.maxBody = maxBody;
    }

    void deliver(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > maxBody) {
            tooLarge(res);
            return;
        }
        // What the body will take in memory, reserved before it is read: its declared length, read into
        // one array of that size, or else the most it may be.
        int reserved = Math.toIntExact(declared >= 0 ? declared : maxBody);
        if (!held.tryAcquire(reserved)) {
            res.status(Status.SERVICE_UNAVAILABLE_503);
            res.send("too many webhook deliveries in progress");
            return;
        }
        try {
            byte[] body;
            try (InputStream in = req.content().inputStream()) {
                body = declared >= 0 ? readDeclared(in, reserved) : in.readNBytes(reserved + 1);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (body.length > maxBody) {
                tooLarge(res);
                return;
            }
            WebhookService.Response answer = webhook.deliver(new WebhookService.Delivery(header(req, HeaderNames.CONTENT_TYPE),
                    header(req, SIGNATURE_256), header(req, SIGNATURE), header(req, EVENT), header(req, DELIVERY), body));
            res.status(Status.create(answer.status()));
            res.send(answer.message());
        } finally {
            held.release(reserved);
        }
    }

    private static void tooLarge(ServerResponse res) {
        res.status(Status.REQUEST_ENTITY_TOO_LARGE_413);
        res.send("payload too large");
    }

    private static byte[] readDeclared(InputStream in, int length) throws IOException {
        byte[] body = new byte[length];
        int read = in.readNBytes(body, 0, length);
        return read == length ? body : Arrays.copyOf(body, read);
    }

    private static String header(ServerRequest req, HeaderName name) {
        return req.headers().first(name).orElse(null);
    }
}
