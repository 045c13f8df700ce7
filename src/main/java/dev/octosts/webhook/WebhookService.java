package dev.octosts.webhook;

import dev.octosts.github.AppRouter;
import dev.octosts.github.ContentsResult;
import dev.octosts.github.GitHubClient;
import dev.octosts.github.GitHubError;
import dev.octosts.policy.TrustPolicies;
import dev.octosts.telemetry.Telemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * The policy-validation webhook (README section G): a signed GitHub delivery about a push, pull request or
 * check suite becomes a "Trust Policy Validation" check run on the head commit, judging every changed trust
 * policy (and, in the org policy repository, the issuer allowlist) exactly as the exchange would read it.
 *
 * <p>Order of work: from the headers alone ({@link #screen}), content type, the signature's shape, the event
 * name and the address's allowance of unverified deliveries; then, with the body, the signature (over the
 * exact bytes, before any parsing), event parsing, bot senders, replay memory, org filter, then GitHub.
 * Answers: 400 for anything unsigned or unreadable, 429 for an address out of allowance, 202 for events it
 * does not handle, 500 when GitHub fails it, 200 otherwise (skipped, rate limited, checked).
 *
 * <p>This class receives a delivery up to a signed, parsed, first-seen event; the GitHub work for it is
 * {@link PolicyValidation}.
 */
public final class WebhookService {
    private static final System.Logger LOG = System.getLogger(WebhookService.class.getName());
    /** Commits a push payload lists at most; with this many, the list may be cut and compare is asked instead. */
    static final int PUSH_COMMITS_TRUSTED = 20;
    static final String ZERO_SHA = "0000000000000000000000000000000000000000";

    /** The headers of a delivery that matter, as received. */
    public record Headers(String contentType, String signature256, String signature, String event, String deliveryId) {
        String eventLabel() {
            return event != null && WebhookEvents.KNOWN.contains(event) ? event : "unknown";
        }
    }

    /** Why a delivery's body was not received whole; what the listener answered, if it could. */
    public enum NotReceived {
        LENGTH_REQUIRED(DeliveryOutcome.LENGTH_REQUIRED), TOO_LARGE(DeliveryOutcome.TOO_LARGE), BUSY(DeliveryOutcome.BUSY),
        CUT_OFF(DeliveryOutcome.CUT_OFF);

        private final DeliveryOutcome outcome;

        NotReceived(DeliveryOutcome outcome) {
            this.outcome = outcome;
        }
    }

    /** The answer to GitHub: a status and a short message that echoes nothing of the request. */
    public record Response(int status, String message) {
    }

    private final WebhookSecrets secrets;
    private final PolicyValidation validation;
    private final DeliveryMemory memory;
    private final UnverifiedDeliveries unverified;
    private final Telemetry telemetry;

    /**
     * @param organizationFilter owners served (ignoring case); empty serves every owner
     * @param database           holds the deliveries already handled (table {@code webhook_delivery}), shared
     *                           with the other service processes
     * @param trustPolicies      the exchange's compile cache, shared so one budget bounds both
     * @param unverifiedPerMinute deliveries a client address may send per minute (and have in flight at once)
     *                           that do not turn out to be signed; signed ones do not count
     */
    public WebhookService(WebhookSecrets secrets, List<String> organizationFilter, String orgPolicyRepo,
                          AppRouter router, GitHubClient github, TrustPolicies trustPolicies, DataSource database,
                          Clock clock, Telemetry telemetry, long unverifiedPerMinute) {
        this.secrets = secrets;
        this.validation = new PolicyValidation(organizationFilter, orgPolicyRepo, router, github, trustPolicies, clock);
        this.memory = new DeliveryMemory(database, clock);
        this.unverified = new UnverifiedDeliveries(unverifiedPerMinute);
        this.telemetry = telemetry;
    }

    /**
     * What can be decided from the headers alone, before any memory is spent on the body: null when the body
     * may be read; otherwise the answer. A request that could never be a signed delivery of a known event (no
     * supported Content-Type, no signature of a valid shape, no known {@code X-GitHub-Event}) is refused, and
     * so is any request once its address has used up its allowance of unverified deliveries (then
     * {@link #deliver} gives the one taken here back if the delivery is signed).
     */
    public Response screen(Headers headers, InetAddress address) {
        String event = headers.eventLabel();
        Span span = Span.current();
        if (mediaType(headers.contentType()) == null) {
            return rejected(span, event, "missing or unsupported Content-Type");
        }
        if (!WebhookSecrets.wellFormed(headers.signature256(), headers.signature())) {
            return rejected(span, event, "no matching secrets");
        }
        if (!WebhookEvents.KNOWN.contains(String.valueOf(headers.event()))) {
            return rejected(span, event, "unknown X-GitHub-Event");
        }
        if (!unverified.take(address)) {
            return answer(DeliveryOutcome.THROTTLED, span, event);
        }
        return null;
    }

    /** Counts a delivery whose body was not received whole; the answer, when one can still be sent. */
    public Response notReceived(Headers headers, NotReceived why) {
        return answer(why.outcome, Span.current(), headers.eventLabel());
    }

    /** Handles a delivery that passed {@link #screen}, from the same address, with its exact body bytes. */
    public Response deliver(Headers headers, byte[] body, InetAddress address) {
        String eventLabel = headers.eventLabel();
        Span span = telemetry.tracer().spanBuilder("webhook.delivery").startSpan();
        span.setAttribute("octosts.webhook.event", eventLabel);
        Response response;
        try (Scope ignored = span.makeCurrent()) {
            response = receive(headers, body, address, span);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "webhook delivery failed: " + e.getClass().getName());
            span.setStatus(StatusCode.ERROR);
            response = answer(DeliveryOutcome.FAILED, span, eventLabel);
        } finally {
            span.end();
        }
        return response;
    }

    private Response receive(Headers headers, byte[] body, InetAddress address, Span span) {
        String event = headers.eventLabel();
        String mediaType = mediaType(headers.contentType());
        if (mediaType == null) {
            return rejected(span, event, "missing or unsupported Content-Type");
        }
        if (!secrets.signed(body, headers.signature256(), headers.signature())) {
            return rejected(span, event, "no matching secrets");
        }
        unverified.giveBack(address);
        byte[] payload = mediaType.equals("application/json") ? body : formPayload(body);
        if (payload == null) {
            return rejected(span, event, "unreadable form body");
        }
        WebhookEvent parsed;
        try {
            parsed = WebhookEvents.parse(headers.event(), payload);
        } catch (WebhookEvents.InvalidPayload e) {
            return rejected(span, event, e.getMessage());
        }
        if (!(parsed instanceof WebhookEvent.Handled handled)) {
            return answer(DeliveryOutcome.UNHANDLED, span, event);
        }
        if (handled instanceof WebhookEvent.CheckSuite suite && suite.sender().endsWith("[bot]")) {
            return answer(DeliveryOutcome.BOT, span, event);
        }
        if (!memory.claim(headers.deliveryId(), body)) {
            return answer(DeliveryOutcome.REPLAYED, span, event);
        }
        DeliveryOutcome outcome;
        try {
            outcome = validation.process(handled, span);
        } catch (PolicyValidation.StepFailed e) {
            LOG.log(System.Logger.Level.WARNING, "webhook " + event + " delivery failed: " + e.getMessage());
            outcome = DeliveryOutcome.FAILED;
        } catch (RuntimeException e) {
            memory.release(headers.deliveryId(), body);
            throw e;
        }
        if (outcome == DeliveryOutcome.FAILED || outcome == DeliveryOutcome.RATE_LIMITED) {
            // GitHub (or an operator) may deliver it again; that delivery must do the work.
            memory.release(headers.deliveryId(), body);
        }
        return answer(outcome, span, event);
    }

    /** Whether a read failure stops validation without a check run: the lenient rate-limit predicate (403 or 429). */
    public static boolean abortsValidation(ContentsResult result) {
        return result instanceof ContentsResult.Failed(GitHubError error) && error.rateLimitedLenient();
    }

    private Response rejected(Span span, String event, String why) {
        span.setAttribute("octosts.webhook.rejected", why);
        answer(DeliveryOutcome.REJECTED, span, event);
        return new Response(DeliveryOutcome.REJECTED.status, why);
    }

    private Response answer(DeliveryOutcome outcome, Span span, String event) {
        span.setAttribute("octosts.webhook.outcome", outcome.label());
        if (outcome == DeliveryOutcome.FAILED) {
            span.setStatus(StatusCode.ERROR);
        }
        telemetry.webhookDelivered(event, outcome.label());
        return new Response(outcome.status, outcome.message);
    }

    /** The media type, lower-cased, when it is one go-github accepts; null otherwise. */
    static String mediaType(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
        return type.equals("application/json") || type.equals("application/x-www-form-urlencoded") ? type : null;
    }

    /** The {@code payload} field of a form body (its first value), or null when the form cannot be read. */
    static byte[] formPayload(byte[] body) {
        String form = new String(body, StandardCharsets.UTF_8);
        try {
            for (String pair : form.split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                if (name.equals("payload")) {
                    return URLDecoder.decode(eq < 0 ? "" : pair.substring(eq + 1), StandardCharsets.UTF_8)
                            .getBytes(StandardCharsets.UTF_8);
                }
            }
            return new byte[0];
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
