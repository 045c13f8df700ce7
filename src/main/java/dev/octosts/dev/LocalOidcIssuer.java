package dev.octosts.dev;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real OpenID provider on 127.0.0.1 (random port, plain HTTP) for tests, the dev sandbox and the
 * benchmark: discovery at {@code /.well-known/openid-configuration}, keys at {@code /.well-known/jwks.json},
 * token minting with the matching private keys, and a browser sign-in ({@link #registerClient}) whose page
 * asks whom to sign in as.
 *
 * <p>Keys: the default RSA 2048 key (kid {@code local-1}, RS256; {@link #rotateKey()} replaces it with
 * {@code local-2}, …), plus one key per other accepted algorithm, each published with its {@code alg}:
 * {@code local-rs384}, {@code local-rs512}, {@code local-ps256} (RSA 2048), {@code local-es256} (P-256),
 * {@code local-es384} (P-384). HS256/384/512 tokens use a random secret that is never published, and
 * {@code none} produces an unsigned token, both for rejection tests.
 *
 * <p>Fault injection: {@link #respondToDiscovery(Fault)} and {@link #respondToJwks(Fault)} change what those
 * two paths answer. The same documents are also served, never faulted, at {@code /plain/openid-configuration}
 * and {@code /plain/jwks.json}, so a redirect fault can point at a working target. Requests to either path
 * count in {@link #discoveryRequests()} / {@link #jwksRequests()}.
 *
 * <p>This class owns the server, its routes and the fault settings; the keys are {@link LocalOidcKeys}, minting
 * is {@link LocalOidcTokenBuilder}, and how a fault goes on the wire is {@link LocalOidcFaultResponses}.
 */
public final class LocalOidcIssuer implements AutoCloseable {
    public static final String DISCOVERY_PATH = "/.well-known/openid-configuration";
    public static final String JWKS_PATH = "/.well-known/jwks.json";
    public static final String PLAIN_DISCOVERY_PATH = "/plain/openid-configuration";
    public static final String PLAIN_JWKS_PATH = "/plain/jwks.json";
    /** {@code POST} a JSON object of claims, get a token signed with the default key (for {@code octo-sts dev token}). */
    public static final String TOKEN_PATH = "/token";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the discovery or JWKS path answers instead of its document. */
    public sealed interface Fault {
        /** A 302 to {@code location}. */
        record Redirect(String location) implements Fault {
        }

        /** A 200 whose body has {@code bytes} bytes, streamed without Content-Length unless {@code declared}. */
        record Oversized(int bytes, boolean declared) implements Fault {
        }

        /** That status code with a tiny body. */
        record Status(int code) implements Fault {
        }

        /** A 200 that sends its first byte, then waits {@code pause} before finishing (a slow server). */
        record Stalled(Duration pause) implements Fault {
        }

        /** A 200 with exactly this body, e.g. a hand-made discovery document or key set. */
        record Body(String json) implements Fault {
        }

        /** The normal discovery document, but with this {@code issuer} value (discovery only). */
        record WrongIssuer(String issuer) implements Fault {
        }

        static Fault redirect(String location) {
            return new Redirect(Objects.requireNonNull(location, "location"));
        }

        /** A body of {@code bytes} bytes sent in chunks with no Content-Length, so only a streaming cap stops it. */
        static Fault oversized(int bytes) {
            return new Oversized(bytes, false);
        }

        /** A body of {@code bytes} bytes with a Content-Length header saying so. */
        static Fault oversizedWithLength(int bytes) {
            return new Oversized(bytes, true);
        }

        static Fault status(int code) {
            return new Status(code);
        }

        static Fault stalled(Duration pause) {
            return new Stalled(Objects.requireNonNull(pause, "pause"));
        }

        static Fault body(String json) {
            return new Body(Objects.requireNonNull(json, "json"));
        }

        static Fault wrongIssuer(String issuer) {
            return new WrongIssuer(Objects.requireNonNull(issuer, "issuer"));
        }
    }

    private final Clock clock;
    private final WebServer server;
    /** Set once the port is known, after the server (whose handlers read it) has started. */
    private volatile String issuer;
    private final LocalOidcKeys keys = new LocalOidcKeys();
    private final AtomicInteger discoveryRequests = new AtomicInteger();
    private final AtomicInteger jwksRequests = new AtomicInteger();
    private volatile Fault discoveryFault;
    private volatile Fault jwksFault;

    private final LocalOidcSignIn signIn = new LocalOidcSignIn(this::token);

    private LocalOidcIssuer(Clock clock) {
        this.clock = clock;
        this.server = WebServer.builder()
                .connectionOptions(socket -> socket.tcpNoDelay(true))
                .host("127.0.0.1")
                .port(0)
                .routing(r -> {
                    r.get(DISCOVERY_PATH, (req, res) -> serveDiscovery(res, discoveryFault))
                            .get(PLAIN_DISCOVERY_PATH, (req, res) -> serveDiscovery(res, null))
                            .get(JWKS_PATH, (req, res) -> serveJwks(res, jwksFault))
                            .get(PLAIN_JWKS_PATH, (req, res) -> serveJwks(res, null))
                            .post(TOKEN_PATH, this::serveToken);
                    signIn.routes(r);
                })
                .build()
                .start();
        this.issuer = "http://127.0.0.1:" + server.port();
    }

    /** Starts an issuer whose tokens use the system clock for iat/exp. */
    public static LocalOidcIssuer start() {
        return start(Clock.systemUTC());
    }

    /** Starts an issuer whose tokens take iat/exp from {@code clock}. */
    public static LocalOidcIssuer start(Clock clock) {
        return new LocalOidcIssuer(Objects.requireNonNull(clock, "clock"));
    }

    /** {@code http://127.0.0.1:<port>}, no trailing slash. */
    public String issuer() {
        return issuer;
    }

    public URI jwksUri() {
        return URI.create(issuer + JWKS_PATH);
    }

    /** The JWKS of every current public key, e.g. for an OIDC_JWKS_OVERRIDES file. */
    public String publicJwksJson() {
        return keys.publicJwksJson();
    }

    /** The kid of the current default (RS256) key. */
    public String defaultKeyId() {
        return keys.defaultKeyId();
    }

    /**
     * A token signed with the default key. Adds {@code iss} = {@link #issuer()}, {@code iat} = now and
     * {@code exp} = now + 600 s where the given claims lack them; given claims always win.
     */
    public String mint(Map<String, Object> claims) {
        return token().claims(claims).mint();
    }

    public LocalOidcTokenBuilder token() {
        return new LocalOidcTokenBuilder(keys, clock, issuer);
    }

    /**
     * Lets a web client sign people in here (authorization code flow with PKCE): its ID, its secret for the
     * token endpoint, and the one redirect URL it may use. The sign-in page asks only whom to sign in as.
     */
    public void registerClient(String clientId, String secret, String redirectUri) {
        signIn.registerClient(clientId, secret, redirectUri);
    }

    /** Replaces the default key with a new RSA key and kid; the old key leaves the JWKS. */
    public void rotateKey() {
        keys.rotate();
    }

    public int discoveryRequests() {
        return discoveryRequests.get();
    }

    public int jwksRequests() {
        return jwksRequests.get();
    }

    public void respondToDiscovery(Fault fault) {
        discoveryFault = fault;
    }

    public void respondToJwks(Fault fault) {
        if (fault instanceof Fault.WrongIssuer) {
            throw new IllegalArgumentException("wrongIssuer applies to discovery only");
        }
        jwksFault = fault;
    }

    public void clearFaults() {
        discoveryFault = null;
        jwksFault = null;
    }

    @Override
    public void close() {
        server.stop();
    }

    private String discoveryJson(String issuerValue) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("issuer", issuerValue);
        document.put("jwks_uri", issuer + JWKS_PATH);
        document.put("authorization_endpoint", issuer + LocalOidcSignIn.AUTHORIZE_PATH);
        document.put("token_endpoint", issuer + LocalOidcSignIn.CODE_TOKEN_PATH);
        document.put("response_types_supported", List.of("code", "id_token"));
        document.put("code_challenge_methods_supported", List.of("S256"));
        document.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic"));
        document.put("scopes_supported", List.of("openid", "profile", "email"));
        document.put("subject_types_supported", List.of("public"));
        document.put("id_token_signing_alg_values_supported",
                List.of("RS256", "RS384", "RS512", "PS256", "ES256", "ES384"));
        try {
            return JSON.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void serveToken(ServerRequest req, ServerResponse res) {
        Map<String, Object> claims;
        try {
            claims = JSON.readValue(req.content().as(String.class), new TypeReference<Map<String, Object>>() { });
        } catch (JsonProcessingException | RuntimeException e) {
            res.status(Status.BAD_REQUEST_400).send("the body must be a JSON object of claims");
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/jwt");
        res.send(mint(claims));
    }

    private void serveDiscovery(ServerResponse res, Fault fault) {
        discoveryRequests.incrementAndGet();
        if (fault instanceof Fault.WrongIssuer wrong) {
            LocalOidcFaultResponses.sendJson(res, discoveryJson(wrong.issuer()));
        } else if (fault != null) {
            LocalOidcFaultResponses.send(res, fault);
        } else {
            LocalOidcFaultResponses.sendJson(res, discoveryJson(issuer));
        }
    }

    private void serveJwks(ServerResponse res, Fault fault) {
        jwksRequests.incrementAndGet();
        if (fault != null) {
            LocalOidcFaultResponses.send(res, fault);
        } else {
            LocalOidcFaultResponses.sendJson(res, publicJwksJson());
        }
    }
}
