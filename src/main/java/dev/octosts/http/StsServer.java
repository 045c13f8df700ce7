package dev.octosts.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.config.AddressRange;
import dev.octosts.exchange.ExchangeService;
import dev.octosts.exchange.GrpcCode;
import dev.octosts.exchange.TokenRevocation;
import dev.octosts.guard.Tarpit;
import dev.octosts.telemetry.Telemetry;
import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;
import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.NotFoundException;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;

import dev.octosts.webhook.WebhookService;

import java.nio.file.Path;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public HTTP listener: the exchange API, health, and the limits that keep bad input cheap.
 * Requests are served on virtual threads (Helidon SE's default).
 */
public final class StsServer implements AutoCloseable {
    /** Largest request line (method, path, query). */
    public static final int MAX_REQUEST_LINE = 8 * 1024;
    /** Largest header block; a bearer token is bounded separately by the OIDC verifier. */
    public static final int MAX_HEADERS_SIZE = 32 * 1024;
    /** Largest request body (a form or JSON with scope and identity). */
    public static final long MAX_PAYLOAD = 16 * 1024;
    /**
     * Largest webhook delivery. GitHub sends up to 25 MiB, but the events validated here are far smaller: a
     * pull request or check suite is a few KiB, and a push lists at most 20 commits with their paths. 4 MiB
     * keeps every realistic delivery while bounding what an unsigned request can make the server buffer
     * before its signature is checked; a larger one gets 413 and shows up as a failed delivery on GitHub.
     */
    public static final long MAX_WEBHOOK_PAYLOAD = 4 * 1024 * 1024;
    static final String WEBHOOK_PATH = "/webhook";
    /** Where Helidon reports a listener that failed to start. */
    private static final String HELIDON_SERVER_LOGGER = "io.helidon.webserver.LoomServer";
    private static final System.Logger LOG = System.getLogger(StsServer.class.getName());

    /**
     * Where a listener (public or admin) listens, how many connections it holds at once (more wait to be
     * accepted), and the PEM files for HTTPS (both null for plain HTTP).
     */
    public record Listener(String host, int port, int maxConnections, Path tlsCertFile, Path tlsKeyFile) {

        /** Applies the address, the connection cap and TLS to a server being built. */
        WebServerConfig.Builder configure(WebServerConfig.Builder builder) {
            // Answers leave at once: without TCP_NODELAY a response written in two parts waits for a delayed ACK.
            builder.connectionOptions(socket -> socket.tcpNoDelay(true))
                    .host(host)
                    .port(port)
                    // Each connection holds buffers and a thread stack: bounded, a flood of them (or an overload
                    // where clients open more) waits in the backlog instead of filling the heap.
                    .maxTcpConnections(maxConnections);
            if (tlsCertFile != null) {
                builder.tls(tls(tlsCertFile, tlsKeyFile));
            }
            return builder;
        }

        /**
         * Starts {@code server}, or throws when it does not listen: Helidon logs a failed bind and carries on
         * with a stopped server, which would leave a process that serves nothing. Its error records (a stack
         * trace per failed listener) are held back meanwhile: the exception says what failed, in one line.
         */
        void start(WebServer server) {
            Logger helidon = Logger.getLogger(HELIDON_SERVER_LOGGER);
            Filter previous = helidon.getFilter();
            List<LogRecord> errors = new CopyOnWriteArrayList<>();
            helidon.setFilter(record -> {
                if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                    errors.add(record);
                    return false;
                }
                return previous == null || previous.isLoggable(record);
            });
            try {
                server.start();
            } finally {
                helidon.setFilter(previous);
            }
            if (!server.isRunning()) {
                String cause = errors.stream().map(LogRecord::getThrown).filter(java.util.Objects::nonNull)
                        .map(Listener::rootCause).findFirst().orElse("see the log");
                throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + cause);
            }
            errors.forEach(helidon::log); // it runs after all: nothing to hide
        }

        private static String rootCause(Throwable thrown) {
            Throwable root = thrown;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return root.getMessage() + " (" + root.getClass().getSimpleName() + ")";
        }

        private static Tls tls(Path certFile, Path keyFile) {
            Keys keys = Keys.builder()
                    .pem(pem -> pem.key(Resource.create(keyFile)).certChain(Resource.create(certFile)))
                    .build();
            return Tls.builder()
                    .privateKey(keys.privateKey().orElseThrow(() -> new IllegalArgumentException(
                            "no private key found in " + keyFile)))
                    .privateKeyCertChain(keys.certChain())
                    .enabledProtocols(List.of("TLSv1.3", "TLSv1.2"))
                    .build();
        }
    }

    private final Listener listener;
    private final WebServer server;
    private final AtomicBoolean ready = new AtomicBoolean();

    static final String REVOCATION_PATH = "/sts/token";
    private static final Set<String> ROUTES = Set.of("/sts/exchange", "/sts/exchange_refresh_token", REVOCATION_PATH,
            "/observe/health", TokenExchangeHandler.TOKEN_PATH, TokenExchangeHandler.METADATA_PATH);

    public StsServer(Listener listener, ExchangeService exchange, Telemetry telemetry) {
        this(listener, List.of(), exchange, null, null, Tarpit.off(), telemetry);
    }

    /** @param webhook the policy-validation webhook, served on {@code POST /webhook}; null: not served (404) */
    public StsServer(Listener listener, List<AddressRange> trustedProxies, ExchangeService exchange,
                     WebhookService webhook, Telemetry telemetry) {
        this(listener, trustedProxies, exchange, null, webhook, Tarpit.off(), telemetry);
    }

    /**
     * @param revocation revocation through the service, served on {@code DELETE /sts/token}; null: not served (404)
     * @param webhook    the policy-validation webhook, served on {@code POST /webhook}; null: not served (404)
     * @param tarpit     holds the answers to callers over their budget and to requests refused before routing
     */
    public StsServer(Listener listener, List<AddressRange> trustedProxies, ExchangeService exchange,
                     TokenRevocation revocation, WebhookService webhook, Tarpit tarpit, Telemetry telemetry) {
        this.listener = listener;
        ObjectMapper json = new ObjectMapper();
        OverBudgetAnswers overBudget = new OverBudgetAnswers(tarpit);
        PublicApi api = new PublicApi(json, new ClientAddress(trustedProxies), overBudget);
        ExchangeHandler handler = new ExchangeHandler(exchange, api);
        TokenExchangeHandler oauth = new TokenExchangeHandler(exchange, api, exchange.domain());
        Set<String> routes = webhook == null ? ROUTES
                : Stream.concat(ROUTES.stream(), Stream.of(WEBHOOK_PATH)).collect(Collectors.toUnmodifiableSet());
        WebServerConfig.Builder builder = listener.configure(WebServer.builder())
                .directHandlers(RefusedBeforeRouting.forListener("public", json, telemetry, tarpit))
                .maxPayloadSize(webhook == null ? MAX_PAYLOAD : MAX_WEBHOOK_PAYLOAD)
                .addProtocol(Http1Config.builder()
                        .maxPrologueLength(MAX_REQUEST_LINE)
                        .maxHeadersSize(MAX_HEADERS_SIZE)
                        .build())
                .routing(routing -> {
                    routing.addFilter(telemetry.httpServerFilter("public", routes));
                    if (webhook != null) {
                        // The listener accepts webhook-sized bodies; everything else keeps the small limit.
                        routing.addFilter((chain, req, res) -> {
                            if (!req.path().path().equals(WEBHOOK_PATH)
                                    && req.headers().contentLength().orElse(0) > MAX_PAYLOAD) {
                                // Counted like the listener's own refusal of such a body when there is no webhook.
                                telemetry.requestRefusedBeforeRouting("public", "payload_too_large");
                                // The body is not read and dropped: the connection closes instead.
                                overBudget.hold(res);
                                res.header(HeaderValues.CONNECTION_CLOSE);
                                res.status(Status.REQUEST_ENTITY_TOO_LARGE_413);
                                res.header(HeaderNames.CONTENT_TYPE, "application/json");
                                res.send(GrpcError.body(json, GrpcCode.INVALID_ARGUMENT, "request body too large"));
                                return;
                            }
                            chain.proceed();
                        });
                        routing.post(WEBHOOK_PATH, new WebhookRoute(webhook, MAX_WEBHOOK_PAYLOAD, overBudget)::deliver);
                    }
                    if (revocation != null) {
                        routing.delete(REVOCATION_PATH, new RevocationHandler(revocation, api)::revoke);
                    }
                    routes(routing, handler, oauth, json);
                });
        this.server = builder.build();
    }

    private void routes(HttpRouting.Builder routing, ExchangeHandler handler, TokenExchangeHandler oauth,
                        ObjectMapper json) {
        routing.get("/sts/exchange", handler::exchange)
                .post(TokenExchangeHandler.TOKEN_PATH, oauth::token)
                .get(TokenExchangeHandler.METADATA_PATH, oauth::metadata)
                .post("/sts/exchange", handler::exchange)
                .post("/sts/exchange_refresh_token", handler::exchangeRefreshToken)
                .get("/observe/health", (req, res) -> {
                    res.status(ready.get() ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503);
                    res.header(HeaderNames.CONTENT_TYPE, "application/json");
                    res.send(ready.get() ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}");
                })
                // No such route: grpc-gateway's 404, not an internal error (scanners would page someone).
                .error(NotFoundException.class, (req, res, error) -> {
                    res.status(Status.NOT_FOUND_404);
                    res.header(HeaderNames.CONTENT_TYPE, "application/json");
                    res.send(GrpcError.body(json, GrpcCode.NOT_FOUND, "Not Found"));
                })
                .error(Throwable.class, (req, res, error) -> {
                    // Never a stack trace to the caller; the operator gets the exception type only.
                    LOG.log(System.Logger.Level.ERROR, "request to " + req.path().path() + " failed: "
                            + error.getClass().getName());
                    res.status(Status.INTERNAL_SERVER_ERROR_500);
                    res.header(HeaderNames.CONTENT_TYPE, "application/json");
                    res.send(GrpcError.body(json, GrpcCode.INTERNAL, "internal error"));
                });
    }

    /** @throws IllegalStateException when the listener could not be opened */
    public StsServer start() {
        listener.start(server);
        ready.set(true);
        return this;
    }

    public int port() {
        return server.port();
    }

    public boolean isTls() {
        return server.hasTls();
    }

    @Override
    public void close() {
        ready.set(false);
        server.stop();
    }
}
