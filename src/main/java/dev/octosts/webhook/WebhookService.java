package dev.octosts.webhook;

import dev.octosts.github.AppRouter;
import dev.octosts.github.ChangedFile;
import dev.octosts.github.ChangedFilesResult;
import dev.octosts.github.CheckRun;
import dev.octosts.github.CheckRunResult;
import dev.octosts.github.ContentsResult;
import dev.octosts.github.GitHubClient;
import dev.octosts.github.GitHubError;
import dev.octosts.github.InstallationAccess;
import dev.octosts.telemetry.Telemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
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
 */
public final class WebhookService {
    private static final System.Logger LOG = System.getLogger(WebhookService.class.getName());
    /** Commits a push payload lists at most; with this many, the list may be cut and compare is asked instead. */
    static final int PUSH_COMMITS_TRUSTED = 20;
    static final String ZERO_SHA = "0000000000000000000000000000000000000000";
    private static final Set<String> PULL_REQUEST_ACTIONS = Set.of("opened", "synchronize", "reopened");

    /** The headers of a delivery that matter, as received. */
    public record Headers(String contentType, String signature256, String signature, String event, String deliveryId) {
        String eventLabel() {
            return event != null && WebhookEvents.KNOWN.contains(event) ? event : "unknown";
        }
    }

    /** Why a delivery's body was not received whole; what the listener answered, if it could. */
    public enum NotReceived {
        LENGTH_REQUIRED(Outcome.LENGTH_REQUIRED), TOO_LARGE(Outcome.TOO_LARGE), BUSY(Outcome.BUSY), CUT_OFF(Outcome.CUT_OFF);

        private final Outcome outcome;

        NotReceived(Outcome outcome) {
            this.outcome = outcome;
        }
    }

    /** The answer to GitHub: a status and a short message that echoes nothing of the request. */
    public record Response(int status, String message) {
    }

    private enum Outcome {
        CHECKED(200, "checked"), SKIPPED(200, "skipped"), RATE_LIMITED(200, "rate limited; no check run"),
        REPLAYED(200, "already delivered"), UNHANDLED(202, "event not handled"), BOT(202, "bot sender ignored"),
        REJECTED(400, "rejected"), LENGTH_REQUIRED(411, "Content-Length required"), TOO_LARGE(413, "payload too large"),
        THROTTLED(429, "too many unverified deliveries from this address"),
        FAILED(500, "failed"), BUSY(503, "too many webhook deliveries in progress"),
        /** The body did not arrive whole in time (or its memory went to a newer delivery); no answer is possible. */
        CUT_OFF(0, "cut off");

        final int status;
        final String message;

        Outcome(int status, String message) {
            this.status = status;
            this.message = message;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Thrown inside processing when GitHub fails a step; the message is for the log. */
    private static final class StepFailed extends Exception {
        private static final long serialVersionUID = 1L;

        StepFailed(String message) {
            super(message, null, false, false);
        }
    }

    private final WebhookSecrets secrets;
    private final List<String> organizationFilter;
    private final String orgPolicyRepo;
    private final GitHubClient github;
    private final InstallationTokens tokens;
    private final PolicyVerdicts verdicts;
    private final DeliveryMemory memory;
    private final UnverifiedDeliveries unverified;
    private final Clock clock;
    private final Telemetry telemetry;

    /**
     * @param organizationFilter owners served (ignoring case); empty serves every owner
     * @param database           holds the deliveries already handled (table {@code webhook_delivery}), shared
     *                           with the other service processes
     * @param unverifiedPerMinute deliveries a client address may send per minute (and have in flight at once)
     *                           that do not turn out to be signed; signed ones do not count
     */
    public WebhookService(WebhookSecrets secrets, List<String> organizationFilter, String orgPolicyRepo,
                          AppRouter router, GitHubClient github, DataSource database, Clock clock, Telemetry telemetry,
                          long unverifiedPerMinute) {
        this.secrets = secrets;
        this.organizationFilter = List.copyOf(organizationFilter);
        this.orgPolicyRepo = orgPolicyRepo;
        this.github = github;
        this.tokens = new InstallationTokens(router, github, clock);
        this.verdicts = new PolicyVerdicts(orgPolicyRepo);
        this.memory = new DeliveryMemory(database, clock);
        this.unverified = new UnverifiedDeliveries(unverifiedPerMinute);
        this.clock = clock;
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
            return answer(Outcome.THROTTLED, span, event);
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
            response = answer(Outcome.FAILED, span, eventLabel);
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
            return answer(Outcome.UNHANDLED, span, event);
        }
        if (handled instanceof WebhookEvent.CheckSuite suite && suite.sender().endsWith("[bot]")) {
            return answer(Outcome.BOT, span, event);
        }
        if (!memory.claim(headers.deliveryId(), body)) {
            return answer(Outcome.REPLAYED, span, event);
        }
        Outcome outcome;
        try {
            outcome = process(handled, span);
        } catch (StepFailed e) {
            LOG.log(System.Logger.Level.WARNING, "webhook " + event + " delivery failed: " + e.getMessage());
            outcome = Outcome.FAILED;
        } catch (RuntimeException e) {
            memory.release(headers.deliveryId(), body);
            throw e;
        }
        if (outcome == Outcome.FAILED || outcome == Outcome.RATE_LIMITED) {
            // GitHub (or an operator) may deliver it again; that delivery must do the work.
            memory.release(headers.deliveryId(), body);
        }
        return answer(outcome, span, event);
    }

    private Outcome process(WebhookEvent.Handled event, Span span) throws StepFailed {
        WebhookEvent.Repository repository = event.repository();
        span.setAttribute("octosts.webhook.repository", repository.owner() + "/" + repository.name());
        if (!organizationFilter.isEmpty() && organizationFilter.stream().noneMatch(o -> o.equalsIgnoreCase(repository.owner()))) {
            return Outcome.SKIPPED;
        }
        Work work = new Work(repository, event.installationId());
        String sha;
        List<String> files;
        switch (event) {
            case WebhookEvent.PullRequest pr -> {
                span.setAttribute("octosts.webhook.action", pr.action());
                if (!PULL_REQUEST_ACTIONS.contains(pr.action())) {
                    return Outcome.SKIPPED;
                }
                sha = pr.headSha();
                files = work.pullRequestFiles(pr.number());
            }
            case WebhookEvent.Push push -> {
                sha = push.after();
                if (sha.equals(ZERO_SHA)) {
                    return Outcome.SKIPPED;
                }
                files = push.commits().size() < PUSH_COMMITS_TRUSTED ? ValidatedPaths.fromPush(push.commits())
                        : work.compare(push.before(), push.after());
            }
            case WebhookEvent.CheckSuite suite -> {
                span.setAttribute("octosts.webhook.action", suite.action());
                sha = suite.headSha();
                files = new ArrayList<>();
                if (suite.before().equals(ZERO_SHA)) {
                    if (!suite.headBranch().equals(repository.defaultBranch()) && suite.pullRequests().isEmpty()) {
                        return Outcome.SKIPPED;
                    }
                    files.addAll(work.policyDirectory(sha));
                } else {
                    files.addAll(work.compare(suite.before(), sha));
                }
                for (long number : suite.pullRequests()) {
                    files.addAll(work.pullRequestFiles(number));
                }
            }
        }
        span.setAttribute("octosts.webhook.sha", sha);
        List<String> validated = List.copyOf(new TreeSet<>(ValidatedPaths.filter(repository.name(), files, orgPolicyRepo)));
        span.setAttribute("octosts.webhook.files", validated.size());
        if (validated.isEmpty()) {
            return Outcome.SKIPPED;
        }
        return validate(work, sha, validated, span);
    }

    private Outcome validate(Work work, String sha, List<String> paths, Span span) throws StepFailed {
        Instant started = clock.instant();
        List<String> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (String path : paths) {
            ContentsResult result = github.contentsAt(work.access(), work.repository.owner(), work.repository.name(), path, sha);
            if (abortsValidation(result)) {
                // The remaining reads would be refused too; no verdict is better than a wrong one.
                LOG.log(System.Logger.Level.WARNING, "webhook validation of " + work.repository.owner() + "/"
                        + work.repository.name() + " stopped: GitHub rate limit");
                return Outcome.RATE_LIMITED;
            }
            switch (result) {
                case ContentsResult.File(String text, String blobSha) -> {
                    PolicyVerdicts.Verdict verdict = verdicts.judge(work.repository.name(), path, text);
                    if (!verdict.valid()) {
                        errors.add(verdict.error());
                    }
                    warnings.addAll(verdict.warnings());
                }
                case ContentsResult.Directory directory -> errors.add(path + ": not a file");
                case ContentsResult.NotAFile notAFile -> errors.add(path + ": not a file");
                case ContentsResult.Missing missing -> errors.add(path + ": not found at " + sha);
                case ContentsResult.Failed(GitHubError error) ->
                        errors.add(path + ": cannot read: " + InstallationTokens.describe(error));
            }
        }
        CheckRunReport report = CheckRunReport.of(errors, warnings);
        span.setAttribute("octosts.webhook.conclusion", report.conclusion());
        CheckRun run = new CheckRun(CheckRunReport.NAME, sha, sha, report.conclusion(), started, clock.instant(),
                report.title(), report.summary(), report.text());
        if (github.createCheckRun(work.access(), work.repository.owner(), work.repository.name(), run)
                instanceof CheckRunResult.Failed(GitHubError error)) {
            throw new StepFailed("creating the check run failed: " + InstallationTokens.describe(error));
        }
        return Outcome.CHECKED;
    }

    /** Whether a read failure stops validation without a check run: the lenient rate-limit predicate (403 or 429). */
    public static boolean abortsValidation(ContentsResult result) {
        return result instanceof ContentsResult.Failed(GitHubError error) && error.rateLimitedLenient();
    }

    /** One delivery's GitHub work: the installation token is minted (or taken from the cache) when first needed. */
    private final class Work {
        final WebhookEvent.Repository repository;
        final long installationId;
        private InstallationAccess access;

        Work(WebhookEvent.Repository repository, long installationId) {
            this.repository = repository;
            this.installationId = installationId;
        }

        InstallationAccess access() throws StepFailed {
            if (access == null) {
                switch (tokens.access(repository.owner(), installationId)) {
                    case InstallationTokens.Outcome.Granted(InstallationAccess granted) -> access = granted;
                    case InstallationTokens.Outcome.Refused(String reason) -> throw new StepFailed(reason);
                }
            }
            return access;
        }

        List<String> pullRequestFiles(long number) throws StepFailed {
            return kept(github.pullRequestFiles(access(), repository.owner(), repository.name(), number), "pull request files");
        }

        List<String> compare(String base, String head) throws StepFailed {
            return kept(github.compare(access(), repository.owner(), repository.name(), base, head), "compare");
        }

        /** The files (not directories) of {@code .github/chainguard} at {@code sha}; none when it does not exist. */
        List<String> policyDirectory(String sha) throws StepFailed {
            return switch (github.contentsAt(access(), repository.owner(), repository.name(), ValidatedPaths.POLICY_DIRECTORY, sha)) {
                case ContentsResult.Directory(List<ContentsResult.Entry> entries) ->
                        entries.stream().filter(e -> e.type().equals("file")).map(ContentsResult.Entry::path).toList();
                case ContentsResult.Failed(GitHubError error) ->
                        throw new StepFailed("listing the policy directory failed: " + InstallationTokens.describe(error));
                default -> List.of();
            };
        }

        /** The files of a listing that still exist at the head: removed ones are dropped. */
        private List<String> kept(ChangedFilesResult result, String what) throws StepFailed {
            return switch (result) {
                case ChangedFilesResult.Listed(List<ChangedFile> files) ->
                        files.stream().filter(f -> !f.status().equals("removed")).map(ChangedFile::filename).toList();
                case ChangedFilesResult.Failed(GitHubError error) ->
                        throw new StepFailed(what + " failed: " + InstallationTokens.describe(error));
            };
        }
    }

    private Response rejected(Span span, String event, String why) {
        span.setAttribute("octosts.webhook.rejected", why);
        answer(Outcome.REJECTED, span, event);
        return new Response(Outcome.REJECTED.status, why);
    }

    private Response answer(Outcome outcome, Span span, String event) {
        span.setAttribute("octosts.webhook.outcome", outcome.label());
        if (outcome == Outcome.FAILED) {
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
