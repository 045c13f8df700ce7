package dev.octosts.dev;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.PlainObject;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real OpenID provider on 127.0.0.1 (random port, plain HTTP) for tests, the dev sandbox and the
 * benchmark: discovery at {@code /.well-known/openid-configuration}, keys at {@code /.well-known/jwks.json},
 * and token minting with the matching private keys.
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
 */
public final class LocalOidcIssuer implements AutoCloseable {
    public static final String DISCOVERY_PATH = "/.well-known/openid-configuration";
    public static final String JWKS_PATH = "/.well-known/jwks.json";
    public static final String PLAIN_DISCOVERY_PATH = "/plain/openid-configuration";
    public static final String PLAIN_JWKS_PATH = "/plain/jwks.json";
    /** {@code POST} a JSON object of claims, get a token signed with the default key (for {@code octo-sts dev token}). */
    public static final String TOKEN_PATH = "/token";
    private static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(600);
    private static final List<JWSAlgorithm> EXTRA_ALGORITHMS = List.of(
            JWSAlgorithm.RS384, JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.ES256, JWSAlgorithm.ES384);
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
    private final Map<JWSAlgorithm, JWK> algorithmKeys = new LinkedHashMap<>();
    private final Map<String, JWK> unpublishedKeys = new ConcurrentHashMap<>();
    private final byte[] hmacSecret = new byte[64];
    private final AtomicInteger discoveryRequests = new AtomicInteger();
    private final AtomicInteger jwksRequests = new AtomicInteger();
    private volatile RSAKey defaultKey;
    private int keyGeneration = 1;
    private volatile Fault discoveryFault;
    private volatile Fault jwksFault;

    private LocalOidcIssuer(Clock clock) {
        this.clock = clock;
        new SecureRandom().nextBytes(hmacSecret);
        this.defaultKey = (RSAKey) generate(JWSAlgorithm.RS256, "local-1");
        for (JWSAlgorithm alg : EXTRA_ALGORITHMS) {
            algorithmKeys.put(alg, generate(alg, "local-" + alg.getName().toLowerCase(java.util.Locale.ROOT)));
        }
        this.server = WebServer.builder()
                .connectionOptions(socket -> socket.tcpNoDelay(true))
                .host("127.0.0.1")
                .port(0)
                .routing(r -> r
                        .get(DISCOVERY_PATH, (req, res) -> serveDiscovery(res, discoveryFault))
                        .get(PLAIN_DISCOVERY_PATH, (req, res) -> serveDiscovery(res, null))
                        .get(JWKS_PATH, (req, res) -> serveJwks(res, jwksFault))
                        .get(PLAIN_JWKS_PATH, (req, res) -> serveJwks(res, null))
                        .post(TOKEN_PATH, this::serveToken))
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
        List<JWK> keys = new ArrayList<>();
        keys.add(defaultKey);
        keys.addAll(algorithmKeys.values());
        return new JWKSet(keys).toPublicJWKSet().toString();
    }

    /** The kid of the current default (RS256) key. */
    public String defaultKeyId() {
        return defaultKey.getKeyID();
    }

    /**
     * A token signed with the default key. Adds {@code iss} = {@link #issuer()}, {@code iat} = now and
     * {@code exp} = now + 600 s where the given claims lack them; given claims always win.
     */
    public String mint(Map<String, Object> claims) {
        return token().claims(claims).mint();
    }

    public TokenBuilder token() {
        return new TokenBuilder();
    }

    /** Replaces the default key with a new RSA key and kid; the old key leaves the JWKS. */
    public synchronized void rotateKey() {
        keyGeneration++;
        defaultKey = (RSAKey) generate(JWSAlgorithm.RS256, "local-" + keyGeneration);
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

    /** Fluent token minting; every setting is optional. */
    public final class TokenBuilder {
        private final Map<String, Object> claims = new LinkedHashMap<>();
        private JWSAlgorithm algorithm = JWSAlgorithm.RS256;
        private String keyId;
        private boolean keyIdSet;
        private boolean unpublished;
        private boolean withoutExp;
        private Duration lifetime = DEFAULT_LIFETIME;
        private String rawPayload;

        private TokenBuilder() {
        }

        public TokenBuilder claim(String name, Object value) {
            claims.put(name, value);
            return this;
        }

        public TokenBuilder claims(Map<String, ?> values) {
            claims.putAll(values);
            return this;
        }

        public TokenBuilder issuer(String iss) {
            return claim("iss", iss);
        }

        public TokenBuilder subject(String sub) {
            return claim("sub", sub);
        }

        /** One audience is written as a JSON string (as go-jose does), several as an array. */
        public TokenBuilder audience(String... aud) {
            return claim("aud", aud.length == 1 ? aud[0] : List.of(aud));
        }

        /** exp = now + lifetime (negative for an already expired token), unless an exp claim is set. */
        public TokenBuilder lifetime(Duration duration) {
            lifetime = Objects.requireNonNull(duration, "duration");
            return this;
        }

        public TokenBuilder withoutExp() {
            withoutExp = true;
            claims.remove("exp");
            return this;
        }

        public TokenBuilder notBefore(Instant nbf) {
            return claim("nbf", nbf.getEpochSecond());
        }

        /** RS256 (default key), RS384, RS512, PS256, ES256, ES384, HS256/384/512 (secret), or "none". */
        public TokenBuilder algorithm(JWSAlgorithm alg) {
            algorithm = Objects.requireNonNull(alg, "alg");
            return this;
        }

        /** The kid header; null leaves it out. Defaults to the kid of the signing key. */
        public TokenBuilder keyId(String kid) {
            keyId = kid;
            keyIdSet = true;
            return this;
        }

        /** Signs with a key of the right type that is not in the JWKS (kid {@code unpublished-<alg>}). */
        public TokenBuilder signWithUnpublishedKey() {
            unpublished = true;
            return this;
        }

        /** Signs exactly this payload text (e.g. with duplicate keys); claim settings are then ignored. */
        public TokenBuilder rawPayload(String json) {
            rawPayload = Objects.requireNonNull(json, "json");
            return this;
        }

        public String mint() {
            String payload = rawPayload != null ? rawPayload : payloadJson();
            if (algorithm.getName().equals("none")) {
                return new PlainObject(new PlainHeader.Builder().type(JOSEObjectType.JWT).build(), new Payload(payload))
                        .serialize();
            }
            JWK key = signingKey();
            String kid = keyIdSet ? keyId : key == null ? null : key.getKeyID();
            JWSObject jws = new JWSObject(
                    new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT).keyID(kid).build(), new Payload(payload));
            try {
                jws.sign(signer(key));
            } catch (JOSEException e) {
                throw new IllegalStateException("cannot sign with " + algorithm, e);
            }
            return jws.serialize();
        }

        private String payloadJson() {
            Instant now = clock.instant();
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("iss", issuer);
            all.put("iat", now.getEpochSecond());
            if (!withoutExp) {
                all.put("exp", now.plus(lifetime).getEpochSecond());
            }
            all.putAll(claims);
            try {
                return JSON.writeValueAsString(all);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("claims are not JSON-serialisable", e);
            }
        }

        /** The private key for the algorithm, or null for HMAC. */
        private JWK signingKey() {
            if (JWSAlgorithm.Family.HMAC_SHA.contains(algorithm)) {
                return null;
            }
            if (unpublished) {
                return unpublishedKeys.computeIfAbsent(algorithm.getName(),
                        name -> generate(algorithm, "unpublished-" + name.toLowerCase(java.util.Locale.ROOT)));
            }
            if (algorithm.equals(JWSAlgorithm.RS256)) {
                return defaultKey;
            }
            JWK key = algorithmKeys.get(algorithm);
            if (key == null) {
                throw new IllegalArgumentException("no key for algorithm " + algorithm);
            }
            return key;
        }

        private JWSSigner signer(JWK key) throws JOSEException {
            if (key == null) {
                return new MACSigner(hmacSecret);
            }
            return key instanceof RSAKey rsa ? new RSASSASigner(rsa) : new ECDSASigner((ECKey) key);
        }
    }

    private static JWK generate(JWSAlgorithm alg, String kid) {
        try {
            if (JWSAlgorithm.Family.EC.contains(alg)) {
                Curve curve = alg.equals(JWSAlgorithm.ES256) ? Curve.P_256 : Curve.P_384;
                return new ECKeyGenerator(curve).keyID(kid).algorithm(alg).keyUse(KeyUse.SIGNATURE).generate();
            }
            if (JWSAlgorithm.Family.RSA.contains(alg)) {
                return new RSAKeyGenerator(2048).keyID(kid).algorithm(alg).keyUse(KeyUse.SIGNATURE).generate();
            }
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate a key for " + alg, e);
        }
        throw new IllegalArgumentException("no key type for algorithm " + alg);
    }

    private String discoveryJson(String issuerValue) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("issuer", issuerValue);
        document.put("jwks_uri", issuer + JWKS_PATH);
        document.put("response_types_supported", List.of("id_token"));
        document.put("subject_types_supported", List.of("public"));
        document.put("id_token_signing_alg_values_supported",
                List.of("RS256", "RS384", "RS512", "PS256", "ES256", "ES384"));
        try {
            return JSON.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void serveToken(io.helidon.webserver.http.ServerRequest req, ServerResponse res) {
        Map<String, Object> claims;
        try {
            claims = JSON.readValue(req.content().as(String.class),
                    new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });
        } catch (JsonProcessingException | RuntimeException e) {
            res.status(io.helidon.http.Status.BAD_REQUEST_400).send("the body must be a JSON object of claims");
            return;
        }
        res.header(io.helidon.http.HeaderNames.CONTENT_TYPE, "application/jwt");
        res.send(mint(claims));
    }

    private void serveDiscovery(ServerResponse res, Fault fault) {
        discoveryRequests.incrementAndGet();
        if (fault instanceof Fault.WrongIssuer wrong) {
            sendJson(res, discoveryJson(wrong.issuer()));
        } else if (fault != null) {
            serveFault(res, fault);
        } else {
            sendJson(res, discoveryJson(issuer));
        }
    }

    private void serveJwks(ServerResponse res, Fault fault) {
        jwksRequests.incrementAndGet();
        if (fault != null) {
            serveFault(res, fault);
        } else {
            sendJson(res, publicJwksJson());
        }
    }

    private static void sendJson(ServerResponse res, String json) {
        res.header("Content-Type", "application/json");
        res.send(json);
    }

    private static void serveFault(ServerResponse res, Fault fault) {
        switch (fault) {
            case Fault.Redirect redirect -> {
                res.status(302);
                res.header("Location", redirect.location());
                res.send();
            }
            case Fault.Status status -> {
                res.status(status.code());
                if (status.code() == 204 || status.code() == 304) {
                    res.send();
                } else {
                    res.send("fault " + status.code());
                }
            }
            case Fault.Oversized oversized -> sendOversized(res, oversized);
            case Fault.Stalled stalled -> sendStalled(res, stalled.pause());
            case Fault.Body body -> sendJson(res, body.json());
            case Fault.WrongIssuer wrong -> throw new IllegalStateException("handled by serveDiscovery");
        }
    }

    private static void sendStalled(ServerResponse res, Duration pause) {
        res.header("Content-Type", "application/json");
        try (OutputStream out = res.outputStream()) {
            out.write('{');
            out.flush();
            Thread.sleep(pause.toMillis());
            out.write('}');
        } catch (IOException | UncheckedIOException e) {
            // The client gave up waiting, which is the point of this fault.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Spaces inside a JSON object, so the body would be valid JSON if a reader swallowed all of it. */
    private static void sendOversized(ServerResponse res, Fault.Oversized oversized) {
        res.header("Content-Type", "application/json");
        if (oversized.declared()) {
            res.contentLength(oversized.bytes());
        }
        byte[] chunk = new byte[8192];
        Arrays.fill(chunk, (byte) ' ');
        try (OutputStream out = res.outputStream()) {
            out.write('{');
            long left = oversized.bytes() - 2L;
            while (left > 0) {
                int n = (int) Math.min(chunk.length, left);
                out.write(chunk, 0, n);
                left -= n;
            }
            out.write('}');
        } catch (IOException | UncheckedIOException e) {
            // The client hung up once it had read enough, which is what the cap is supposed to do.
        }
    }
}
