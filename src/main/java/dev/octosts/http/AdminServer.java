package dev.octosts.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.console.ConsoleRoutes;
import dev.octosts.exchange.AuditRead;
import dev.octosts.exchange.AuditReaders;
import dev.octosts.exchange.Decision;
import dev.octosts.exchange.GrpcCode;
import dev.octosts.exchange.Outcome;
import dev.octosts.exchange.Refusal;
import dev.octosts.ledger.IncrementalReport;
import dev.octosts.ledger.IncrementalVerifier;
import dev.octosts.ledger.LedgerExport;
import dev.octosts.ledger.LedgerQuery;
import dev.octosts.policy.PolicyExplainer;
import dev.octosts.policy.PolicyExplanation;
import dev.octosts.guard.Tarpit;
import dev.octosts.telemetry.PrometheusReader;
import dev.octosts.telemetry.Telemetry;
import io.helidon.http.HeaderNames;
import io.helidon.http.NotFoundException;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The admin listener, apart from the public one (by default on 127.0.0.1): ledger reads for
 * authenticated audit readers. {@code GET /audit/records} (the filters of {@code audit query}) and
 * {@code GET /audit/export?since=&until=} (JSON lines in the export shape), {@code GET /audit/verify}
 * (the next bounded portion of the ledger, one verification at a time), and {@code POST /policy/explain}
 * (why a token would be refused). {@code GET /observe/metrics} is the Prometheus scrape endpoint,
 * unauthenticated as scrapes are: its labels carry no subject, repository or secret. The audit console
 * ({@code /console/}) is mounted here when it is configured; otherwise its paths answer 404 like any other.
 */
public final class AdminServer implements AutoCloseable {
    private static final int MAX_LIMIT = 10_000;
    private static final System.Logger LOG = System.getLogger(AdminServer.class.getName());

    private final StsServer.Listener listener;
    private final WebServer server;
    private final AuditReaders readers;
    private final LedgerQuery query;
    private final LedgerExport export;
    private final IncrementalVerifier verifier;
    private final Clock clock;
    private final Telemetry telemetry;
    private final ConsoleRoutes console;
    private final ObjectMapper json = new ObjectMapper();

    private static final Set<String> ROUTES = Set.of("/audit/records", "/audit/export", "/audit/verify",
            "/observe/metrics");

    /**
     * @param listener where to listen, the connection cap and TLS, as for the public listener
     * @param console  the audit console's routes, or null when the console is not configured
     */
    public AdminServer(StsServer.Listener listener, AuditReaders readers, LedgerQuery query, LedgerExport export,
                       IncrementalVerifier verifier, Clock clock, Telemetry telemetry, ConsoleRoutes console) {
        this.listener = listener;
        this.telemetry = telemetry;
        this.console = console;
        this.readers = readers;
        this.query = query;
        this.export = export;
        this.verifier = verifier;
        this.clock = clock;
        this.server = listener.configure(WebServer.builder())
                .directHandlers(RefusedBeforeRouting.forListener("admin", json, telemetry, Tarpit.off()))
                .maxPayloadSize(StsServer.MAX_PAYLOAD)
                .routing(this::routes)
                .build();
    }

    private void routes(HttpRouting.Builder routing) {
        Set<String> named = new HashSet<>(ROUTES);
        if (console != null) {
            named.addAll(ConsoleRoutes.PATHS);
        }
        routing.addFilter(telemetry.httpServerFilter("admin", named))
                .get("/observe/metrics", (req, res) -> {
                    res.header(HeaderNames.CONTENT_TYPE, PrometheusReader.CONTENT_TYPE);
                    res.send(telemetry.prometheusText());
                })
                .get("/audit/records", (req, res) -> guarded(req, res, "audit/query", this::records))
                .get("/audit/export", (req, res) -> guarded(req, res, "audit/export", this::export))
                .get("/audit/verify", (req, res) -> guarded(req, res, "audit/verify", this::verify))
                .post("/policy/explain", (req, res) -> guarded(req, res, "policy/explain", this::explain));
        if (console != null) {
            console.register(routing);
        }
        routing
                // No such route: a 404 like the public listener's, not an internal error.
                .error(NotFoundException.class, (req, res, error) -> sendError(res, GrpcCode.NOT_FOUND, "Not Found"))
                .error(Throwable.class, (req, res, error) -> {
                    LOG.log(System.Logger.Level.ERROR, "admin request to " + req.path().path() + " failed: "
                            + error.getClass().getName());
                    sendError(res, GrpcCode.INTERNAL, "internal error");
                });
    }

    /** An admin operation: answers the request once the read was authorized and recorded. */
    private interface Operation {
        void serve(ServerRequest req, ServerResponse res);
    }

    private void guarded(ServerRequest req, ServerResponse res, String operation, Operation body) {
        String requestId = UUID.randomUUID().toString();
        res.header(PublicApi.REQUEST_ID, requestId);
        String what = req.query().rawValue().length() > 0 ? req.query().rawValue() : "all";
        List<String> authorization = PublicApi.authorization(req);
        String userAgent = PublicApi.userAgent(req);
        // The admin listener trusts no proxy: the peer is the client.
        String remote = req.remotePeer().address() instanceof InetSocketAddress address
                ? address.getAddress().getHostAddress() : String.valueOf(req.remotePeer().address());
        if (readers.authorize(new AuditRead(requestId, authorization, operation, what, remote, userAgent))
                instanceof Outcome.Refused<Void>(Refusal refusal)) {
            sendError(res, refusal.code(), refusal.message());
            return;
        }
        try {
            body.serve(req, res);
        } catch (IllegalArgumentException e) {
            sendError(res, GrpcCode.INVALID_ARGUMENT, e.getMessage());
        }
    }

    private void records(ServerRequest req, ServerResponse res) {
        Instant now = clock.instant();
        LedgerQuery.Filter filter = new LedgerQuery.Filter(
                param(req, "token_sha256", Function.identity()),
                param(req, "subject", Function.identity()),
                param(req, "scope", Function.identity()),
                param(req, "identity", Function.identity()),
                param(req, "decision", Decision::parse),
                param(req, "since", value -> LedgerQuery.parseTime(value, now)),
                param(req, "until", value -> LedgerQuery.parseTime(value, now)));
        int limit = Optional.ofNullable(param(req, "limit", Integer::parseInt)).orElse(100);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT);
        }
        try (Stream<JsonNode> rows = query.find(filter, limit)) {
            sendLines(res, sink -> rows.forEach(sink));
        }
    }

    private void export(ServerRequest req, ServerResponse res) {
        Instant now = clock.instant();
        Instant since = param(req, "since", value -> LedgerQuery.parseTime(value, now));
        if (since == null) {
            throw new IllegalArgumentException("since is required");
        }
        Instant until = param(req, "until", value -> LedgerQuery.parseTime(value, now));
        sendLines(res, sink -> export.export(since, until, sink));
    }

    /**
     * Walks the records after those earlier calls verified, at most {@code ADMIN_VERIFY_MAX_RECORDS} of
     * them, and says how far it got; one call at a time, so readers cannot stack walks on the database.
     */
    private void verify(ServerRequest req, ServerResponse res) {
        Optional<IncrementalReport> walked = verifier.tryVerify();
        if (walked.isEmpty()) {
            sendError(res, GrpcCode.RESOURCE_EXHAUSTED, "a verification is already running; try again when it has finished");
            return;
        }
        IncrementalReport report = walked.get();
        ObjectNode body = json.createObjectNode()
                .put("verified", report.verified())
                .put("complete", report.complete())
                .put("records", report.records())
                .put("records_verified_earlier", report.recordsVerifiedEarlier())
                .put("chains", report.chains())
                .put("checkpoints", report.checkpoints());
        report.firstProblem().ifPresent(problem -> body.putObject("problem")
                .put("chain_id", problem.chainId().toString())
                .put("seq", problem.seq())
                .put("kind", problem.kind().label())
                .put("detail", problem.detail()));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body.toString());
    }

    /**
     * {@code POST /policy/explain} with {@code {"policy": "<yaml>", "claims": {...}, "domain": "...", "org": false}}:
     * each check with the value seen, then the verdict and what would be granted — the detail the public
     * endpoint never gives.
     */
    private void explain(ServerRequest req, ServerResponse res) {
        JsonNode body;
        try {
            body = json.readTree(req.content().as(String.class));
        } catch (IOException e) {
            throw new IllegalArgumentException("the body must be JSON");
        }
        if (body == null || !body.path("policy").isTextual() || !body.path("claims").isObject()) {
            throw new IllegalArgumentException("the body must hold policy (YAML text) and claims (an object)");
        }
        boolean org = body.path("org").asBoolean(false);
        String domain = body.path("domain").asText("");
        @SuppressWarnings("unchecked")
        Map<String, Object> claims = json.convertValue(body.get("claims"), Map.class);
        ObjectNode answer = switch (PolicyExplainer.explain(body.get("policy").asText(), org, claims, domain)) {
            case PolicyExplainer.Invalid invalid -> invalidPolicy(invalid);
            case PolicyExplainer.Explained explained -> explanation(explained.explanation());
        };
        sendJson(res, answer);
    }

    private ObjectNode invalidPolicy(PolicyExplainer.Invalid invalid) {
        ObjectNode answer = json.createObjectNode().put("valid", false).put("problem", invalid.problem());
        invalid.line().ifPresent(line -> answer.put("line", line));
        return answer;
    }

    private ObjectNode explanation(PolicyExplanation explanation) {
        ObjectNode answer = json.createObjectNode().put("valid", true);
        var steps = answer.putArray("steps");
        for (PolicyExplanation.Step step : explanation.steps()) {
            steps.addObject().put("check", step.check()).put("seen", step.seen()).put("expected", step.expected())
                    .put("passed", step.passed()).put("failure", step.failure());
        }
        answer.put("verdict", explanation.result().allowed() ? "allow" : "deny")
                .put("message", explanation.result().message());
        answer.set("permissions", json.valueToTree(explanation.permissions()));
        answer.set("repositories", json.valueToTree(explanation.repositories()));
        return answer;
    }

    private void sendJson(ServerResponse res, JsonNode body) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body.toString());
    }

    private static <T> T param(ServerRequest req, String name, Function<String, T> parse) {
        Optional<String> value = req.query().first(name).filter(text -> !text.isBlank());
        if (value.isEmpty()) {
            return null;
        }
        try {
            return parse.apply(value.get());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage());
        }
    }

    /** Streams JSON lines without holding the whole answer in memory. */
    private void sendLines(ServerResponse res, java.util.function.Consumer<java.util.function.Consumer<JsonNode>> rows) {
        res.header(HeaderNames.CONTENT_TYPE, "application/x-ndjson");
        try (OutputStream out = res.outputStream()) {
            rows.accept(row -> {
                try {
                    out.write(json.writeValueAsBytes(row));
                    out.write('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void sendError(ServerResponse res, GrpcCode code, String message) {
        GrpcError.send(res, json, code, message);
    }

    /** @throws IllegalStateException when the listener could not be opened */
    public AdminServer start() {
        listener.start(server);
        return this;
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.stop();
    }
}
