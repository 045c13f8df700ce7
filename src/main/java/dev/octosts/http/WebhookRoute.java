package dev.octosts.http;

import dev.octosts.webhook.WebhookService;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * {@code POST /webhook}: hands GitHub's delivery, headers and exact body bytes, to the webhook service.
 * Everything that can be decided from the headers is decided before a byte of the body is read (see
 * {@link WebhookService#screen}; a {@code Content-Length} is required, as GitHub always sends one), and
 * such an answer closes the connection instead of reading the body. The bodies being read or handled share
 * {@link #MAX_HELD_BYTES}, taken as bytes arrive and bounded in time; see {@link WebhookBodies}.
 */
final class WebhookRoute {
    /** Eight bodies of the largest size; real deliveries are a few KiB, so only a flood reaches it. */
    static final int MAX_HELD_BYTES = 32 * 1024 * 1024;
    /** A body not received whole in this time is cut off: GitHub itself waits 10 s for a delivery's answer. */
    static final Duration BODY_DEADLINE = Duration.ofSeconds(10);
    static final HeaderName EVENT = HeaderNames.create("X-GitHub-Event");
    static final HeaderName DELIVERY = HeaderNames.create("X-GitHub-Delivery");
    static final HeaderName SIGNATURE_256 = HeaderNames.create("X-Hub-Signature-256");
    static final HeaderName SIGNATURE = HeaderNames.create("X-Hub-Signature");

    private final WebhookService webhook;
    private final long maxBody;
    private final WebhookBodies bodies = new WebhookBodies(MAX_HELD_BYTES, BODY_DEADLINE);
    private final OverBudgetAnswers overBudget;

    WebhookRoute(WebhookService webhook, long maxBody, OverBudgetAnswers overBudget) {
        this.webhook = webhook;
        this.maxBody = maxBody;
        this.overBudget = overBudget;
    }

    void deliver(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        WebhookService.Headers headers = new WebhookService.Headers(header(req, HeaderNames.CONTENT_TYPE),
                header(req, SIGNATURE_256), header(req, SIGNATURE), header(req, EVENT), header(req, DELIVERY));
        long declared = req.headers().contentLength().orElse(-1);
        if (declared < 0) {
            unread(res, webhook.notReceived(headers, WebhookService.NotReceived.LENGTH_REQUIRED));
            return;
        }
        if (declared > maxBody) {
            unread(res, webhook.notReceived(headers, WebhookService.NotReceived.TOO_LARGE));
            return;
        }
        InetAddress address = address(req);
        WebhookService.Response refused = webhook.screen(headers, address);
        if (refused != null) {
            unread(res, refused);
            return;
        }
        WebhookService.Response answer;
        try (WebhookBodies.Body body = bodies.start()) {
            byte[] bytes;
            try (InputStream in = req.content().inputStream()) {
                bytes = body.read(in, Math.toIntExact(declared));
            } catch (WebhookBodies.Busy e) {
                unread(res, webhook.notReceived(headers, WebhookService.NotReceived.BUSY));
                return;
            } catch (WebhookBodies.CutOff e) {
                webhook.notReceived(headers, WebhookService.NotReceived.CUT_OFF);
                // No answer: the body is not all read (or the socket is already closed).
                throw new CloseConnectionException("webhook body " + e.getMessage());
            } catch (java.io.IOException e) {
                throw new CloseConnectionException("webhook body unreadable", e);
            }
            answer = webhook.deliver(headers, bytes, address);
        }
        send(res, answer);
    }

    /** Answers without reading the body; the connection is closed rather than the body read and dropped. */
    private void unread(ServerResponse res, WebhookService.Response answer) {
        res.header(HeaderValues.CONNECTION_CLOSE);
        send(res, answer);
    }

    /**
     * Sends the answer; a refusal (never the answer to a delivery GitHub signed, but to a stranger, a wrong
     * secret or an address out of allowance) after the hold, once the body's memory is given back.
     */
    private void send(ServerResponse res, WebhookService.Response answer) {
        if (answer.status() == Status.TOO_MANY_REQUESTS_429.code()) {
            overBudget.rateLimited(res);
        } else if (answer.status() >= 400 && answer.status() < 500) {
            overBudget.hold(res);
        }
        res.status(Status.create(answer.status()));
        res.send(answer.message());
    }

    private static InetAddress address(ServerRequest req) {
        if (req.remotePeer().address() instanceof InetSocketAddress socket && socket.getAddress() != null) {
            return socket.getAddress();
        }
        return InetAddress.getLoopbackAddress();
    }

    private static String header(ServerRequest req, HeaderName name) {
        return req.headers().first(name).orElse(null);
    }
}
