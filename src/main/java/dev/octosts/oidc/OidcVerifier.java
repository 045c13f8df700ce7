package dev.octosts.oidc;

import static dev.octosts.oidc.OidcResult.Rejected;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Weigher;
import dev.octosts.telemetry.Telemetry;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.text.ParseException;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Verifies OIDC bearer tokens as Octo STS does (go-oidc with {@code SkipClientIDCheck}), with bounded,
 * cached, SSRF-guarded fetching. Thread-safe; one instance serves all requests.
 *
 * <p>Steps, first failure wins:
 * <ol>
 *   <li>Size, then shape ({@link CompactJws}): anything but a signed compact JWS with JSON-object header and
 *       payload and no duplicate keys is {@link OidcFailure#MALFORMED_TOKEN}; {@code alg: none} too.</li>
 *   <li>{@code iss}, read unverified and normalised like chainguard's {@code ExtractIssuer}
 *       ({@code accounts.google.com} → {@code https://accounts.google.com}), must pass
 *       {@link OidcFields#isValidIssuer(String)}, else {@link OidcFailure#INVALID_ISSUER}; then, when the
 *       settings have an {@link IssuerAllowlist}, be on it, else {@link OidcFailure#VERIFICATION_FAILED}
 *       {@code issuer_not_allowed} (Unauthenticated), before anything is fetched.</li>
 *   <li>The algorithm must be RS256, RS384, RS512, ES256, ES384 or PS256, else
 *       {@link OidcFailure#VERIFICATION_FAILED} {@code unsupported_algorithm}. This includes HS256/384/512:
 *       an HMAC token is never verified (a public key must never serve as an HMAC secret). The check runs
 *       before any fetch, so a token that can never verify cannot make us contact its issuer.</li>
 *   <li>Key source: a configured JWKS override (file or URL, no discovery), else OpenID discovery, whose
 *       {@code issuer} must equal the token issuer exactly and whose {@code jwks_uri} must be a fetchable
 *       URL ({@link FetchTargets}). Any discovery failure is {@link OidcFailure#PROVIDER_UNAVAILABLE}
 *       (a 4xx for the caller), and so are fields of the wrong JSON type where go-oidc decodes them. When
 *       the document lists some of our six in {@code id_token_signing_alg_values_supported}, only those are
 *       accepted for that issuer, as go-oidc does; when it lists none of them, all six are (go-oidc would then
 *       accept RS256 only).</li>
 *   <li>Signature: keys chosen by {@code kid}, at most {@value KeySet#MAX_KEYS_PER_KID} of them, from a key set
 *       whose keys were bounded when it was read ({@link KeySet}: key count, RSA modulus and exponent, EC
 *       curves); a token without {@code kid} only for a set of exactly one key. An unknown kid refreshes the
 *       key set at most once per issuer per {@value #KID_REFRESH_SECONDS} s. Failures:
 *       {@code jwks_fetch_failed}, {@code no_usable_keys}, {@code kid_required}, {@code unknown_key},
 *       {@code bad_signature}. The signature is checked before the claims, so a forged token is reported as
 *       {@code bad_signature} whatever its claims say.</li>
 *   <li>Claims: {@code iss} equals the provider issuer (Google's schemeless form allowed, as go-oidc does);
 *       {@code exp} present, a number, not before now (no leeway); {@code nbf}, if present, at most five
 *       minutes ahead; {@code aud}, {@code iat}, {@code nonce}, {@code at_hash} of the types go-oidc decodes
 *       them into. Distributed claims ({@code _claim_names}) are not resolved or checked. The audience is
 *       left to the trust policy.</li>
 * </ol>
 *
 * <p>Caches (ages from the settings clock, bounded by the heap they hold since anyone can run an issuer:
 * {@value #MAX_PROVIDER_CACHE_WEIGHT} bytes of discovery results, {@value #MAX_KEY_SET_CACHE_WEIGHT} bytes of
 * key sets, issuer names included): discovery results for 1 h, discovery failures for 15 s; key sets for
 * 10 min, key-set failures for 15 s. Concurrent cold requests for one issuer share one fetch. The token
 * never appears in a result, log or exception; details name issuers and URLs only.
 */
public final class OidcVerifier implements AutoCloseable {
    public static final int MAX_TOKEN_CHARS = 16_384;
    static final Set<String> ALLOWED_ALGORITHMS = Set.of("RS256", "RS384", "RS512", "ES256", "ES384", "PS256");
    static final Duration PROVIDER_TTL = Duration.ofHours(1);
    static final Duration PROVIDER_FAILURE_TTL = Duration.ofSeconds(15);
    static final Duration JWKS_TTL = Duration.ofMinutes(10);
    static final Duration JWKS_FAILURE_TTL = Duration.ofSeconds(15);
    static final int KID_REFRESH_SECONDS = 30;
    static final Duration KID_REFRESH_INTERVAL = Duration.ofSeconds(KID_REFRESH_SECONDS);
    static final Duration MAX_NOT_BEFORE_AHEAD = Duration.ofMinutes(5);
    /** 2 MiB: some 2,000 issuers' discovery results (about 1 KiB each). */
    static final long MAX_PROVIDER_CACHE_WEIGHT = 2L << 20;
    /**
     * 16 MiB: some 1,500 issuers with a handful of keys each (about 10 KiB), or 80 hostile sets of
     * {@value KeySet#MAX_USABLE_KEYS} RSA keys (about 200 KiB each).
     */
    static final long MAX_KEY_SET_CACHE_WEIGHT = 16L << 20;
    /** Object headers, references and the map node around each entry, in bytes. */
    private static final int ENTRY_OVERHEAD = 128;
    static final String GOOGLE_ISSUER = "https://accounts.google.com";
    static final String GOOGLE_ISSUER_WITHOUT_SCHEME = "accounts.google.com";
    private static final Instant LATEST_TIME = Instant.parse("9999-12-31T23:59:59Z");
    private static final ObjectReader STRICT_JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .reader();

    private final OidcSettings settings;
    private final SafeFetcher fetcher;
    private final Telemetry telemetry;
    private final Cache<String, Fresh<Discovery>> providers;
    private final Cache<String, Fresh<KeySet>> keySets;
    private final SingleFlight<Discovery> discoveries = new SingleFlight<>();
    private final SingleFlight<KeySet> keyLoads = new SingleFlight<>();

    public OidcVerifier(OidcSettings settings) {
        this(settings, Telemetry.off());
    }

    public OidcVerifier(OidcSettings settings, Telemetry telemetry) {
        this.telemetry = Objects.requireNonNull(telemetry, "telemetry");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.fetcher = new SafeFetcher(settings.privateNetworkHosts(), settings.connectTimeout(),
                settings.readTimeout());
        this.providers = cache(PROVIDER_TTL, MAX_PROVIDER_CACHE_WEIGHT,
                (String issuer, Fresh<Discovery> entry) -> weight(issuer) + entry.value().estimatedHeapBytes());
        this.keySets = cache(JWKS_TTL, MAX_KEY_SET_CACHE_WEIGHT,
                (String issuer, Fresh<KeySet> entry) -> weight(issuer) + entry.value().estimatedHeapBytes());
    }

    /**
     * A cached value and the end of its freshness. An entry leaves the cache at the latest {@code ttl} after
     * it was written (the longest freshness it can have); until then a stale one is still there for
     * {@link #refreshedKeySet}, which compares it with the one a caller saw.
     */
    private record Fresh<V>(V value, Instant until) {
        V ifFresh(Instant now) {
            return now.isBefore(until) ? value : null;
        }
    }

    private <V> Cache<String, Fresh<V>> cache(Duration ttl, long maxWeight, Weigher<String, Fresh<V>> weigher) {
        Clock clock = settings.clock();
        return Caffeine.newBuilder()
                .ticker(() -> clock.millis() * 1_000_000L)
                .expireAfterWrite(ttl)
                .maximumWeight(maxWeight)
                .weigher(weigher)
                .executor(Runnable::run)
                .build();
    }

    private static int weight(String issuer) {
        return ENTRY_OVERHEAD + 2 * issuer.length();
    }

    /** The value of a fresh entry, or null. */
    private <V> V fresh(Cache<String, Fresh<V>> cache, String issuer) {
        Fresh<V> entry = cache.getIfPresent(issuer);
        return entry == null ? null : entry.ifFresh(now());
    }

    /** The outcome of OpenID discovery for one issuer. */
    private sealed interface Discovery {
        /** An upper estimate of the heap this result holds, in bytes. */
        int estimatedHeapBytes();

        record Found(URI jwksUri, Set<String> algorithms) implements Discovery {
            @Override
            public int estimatedHeapBytes() {
                // The URI keeps its text and its parsed components: about twice the text.
                return 256 + 4 * jwksUri.toString().length() + 64 * algorithms.size();
            }
        }

        record Failed(String detail) implements Discovery {
            @Override
            public int estimatedHeapBytes() {
                return 64 + 2 * detail.length();
            }
        }
    }

    /** Verifies a compact JWS bearer token. Never throws; never echoes the token. */
    public OidcResult verify(String compactJwt) {
        try {
            return new OidcResult.Verified(check(compactJwt));
        } catch (Rejection r) {
            return r.rejected();
        } catch (SafeFetcher.TooManyFetches e) {
            return new Rejected(OidcFailure.OVERLOADED, Rejected.OUTBOUND_LIMIT, e.getMessage());
        } catch (RuntimeException e) {
            return new Rejected(OidcFailure.VERIFICATION_FAILED, Rejected.INTERNAL_ERROR,
                    "unexpected " + e.getClass().getSimpleName() + " while verifying");
        }
    }

    private VerifiedToken check(String compactJwt) throws Rejection {
        CompactJws token = CompactJws.parse(compactJwt);
        String issuer = normalizedIssuer(token);
        if (!OidcFields.isValidIssuer(issuer)) {
            throw new Rejection(OidcFailure.INVALID_ISSUER, Rejected.INVALID_ISSUER,
                    "issuer \"" + Text.printable(issuer, 300) + "\" breaks the issuer rules");
        }
        if (!settings.allowedIssuers().allows(issuer)) {
            throw new Rejection(OidcFailure.VERIFICATION_FAILED, Rejected.ISSUER_NOT_ALLOWED,
                    "issuer \"" + Text.printable(issuer, 300) + "\" is not on the service's issuer allowlist");
        }
        checkAlgorithm(token.algorithm(), ALLOWED_ALGORITHMS, "");
        JwksSource source = settings.overrideFor(issuer);
        if (source == null) {
            Discovery.Found provider = provider(issuer);
            if (!provider.algorithms().isEmpty()) {
                checkAlgorithm(token.algorithm(), provider.algorithms(), " by the issuer's discovery document");
            }
            source = new JwksSource.Remote(provider.jwksUri());
        }
        KeySet.Key key = verifySignature(issuer, source, token);
        return checkClaims(token, issuer, key);
    }

    private static String normalizedIssuer(CompactJws token) {
        String iss = (String) token.claims().get("iss");
        if (iss == null) {
            return "";
        }
        return iss.equals(GOOGLE_ISSUER_WITHOUT_SCHEME) ? GOOGLE_ISSUER : iss;
    }

    private static void checkAlgorithm(String alg, Set<String> allowed, String where) throws Rejection {
        if (allowed.contains(alg)) {
            return;
        }
        String shown = Text.printable(alg, 40);
        throw new Rejection(OidcFailure.VERIFICATION_FAILED, Rejected.UNSUPPORTED_ALGORITHM,
                alg.startsWith("HS") ? "HMAC algorithm " + shown + " is never accepted"
                        : "algorithm " + shown + " is not accepted" + where);
    }

    // ---- discovery ----------------------------------------------------------------------------------------

    private Discovery.Found provider(String issuer) throws Rejection {
        Discovery discovery = fresh(providers, issuer);
        if (discovery == null) {
            discovery = discoveries.run(issuer, () -> {
                Discovery cached = fresh(providers, issuer);
                if (cached != null) {
                    return cached;
                }
                Discovery found = telemetry.inSpan("oidc.discovery", Map.of("octosts.oidc.issuer", issuer),
                        () -> discover(issuer));
                providers.put(issuer, new Fresh<>(found, now().plus(
                        found instanceof Discovery.Found ? PROVIDER_TTL : PROVIDER_FAILURE_TTL)));
                return found;
            });
        }
        return switch (discovery) {
            case Discovery.Found found -> found;
            case Discovery.Failed failed -> throw new Rejection(OidcFailure.PROVIDER_UNAVAILABLE,
                    Rejected.DISCOVERY_FAILED, failed.detail());
        };
    }

    private Discovery discover(String issuer) {
        String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        URI url;
        try {
            url = new URI(base + "/.well-known/openid-configuration");
        } catch (URISyntaxException e) {
            return new Discovery.Failed("discovery for " + issuer + ": issuer is not a fetchable URL");
        }
        JsonNode document;
        try {
            document = STRICT_JSON.readTree(fetcher.get(url));
        } catch (SafeFetcher.FetchException e) {
            return new Discovery.Failed("discovery for " + issuer + ": " + e.getMessage());
        } catch (IOException e) {
            return new Discovery.Failed("discovery for " + issuer + ": document is not valid JSON");
        }
        if (document == null || !document.isObject()) {
            return new Discovery.Failed("discovery for " + issuer + ": document is not a JSON object");
        }
        JsonNode claimedIssuer = document.get("issuer");
        if (claimedIssuer == null || !claimedIssuer.isTextual() || !claimedIssuer.asText().equals(issuer)) {
            return new Discovery.Failed("discovery for " + issuer + ": document issuer "
                    + (claimedIssuer == null ? "is missing" : "\"" + Text.printable(claimedIssuer.asText(), 300)
                    + "\" does not equal the token issuer"));
        }
        JsonNode jwksUri = document.get("jwks_uri");
        if (jwksUri == null || !jwksUri.isTextual()) {
            return new Discovery.Failed("discovery for " + issuer + ": document has no jwks_uri string");
        }
        URI keysUrl;
        String problem;
        try {
            keysUrl = new URI(jwksUri.asText());
            problem = FetchTargets.problem(keysUrl);
        } catch (URISyntaxException e) {
            keysUrl = null;
            problem = "not a valid URL";
        }
        if (problem != null) {
            return new Discovery.Failed("discovery for " + issuer + ": jwks_uri \""
                    + Text.printable(jwksUri.asText(), 300) + "\" is refused: " + problem);
        }
        for (String field : List.of("authorization_endpoint", "token_endpoint", "device_authorization_endpoint",
                "userinfo_endpoint")) {
            JsonNode value = document.get(field);
            if (value != null && !value.isNull() && !value.isTextual()) {
                return new Discovery.Failed("discovery for " + issuer + ": " + field + " is not a string");
            }
        }
        // Like go-oidc: the advertised algorithms we support restrict the issuer; none of ours means no restriction.
        Set<String> algorithms = new HashSet<>();
        JsonNode advertised = document.get("id_token_signing_alg_values_supported");
        if (advertised != null && !advertised.isNull()) {
            if (!advertised.isArray()) {
                return new Discovery.Failed("discovery for " + issuer
                        + ": id_token_signing_alg_values_supported is not an array");
            }
            for (JsonNode alg : advertised) {
                if (!alg.isTextual() && !alg.isNull()) {
                    return new Discovery.Failed("discovery for " + issuer
                            + ": id_token_signing_alg_values_supported holds a non-string");
                }
                if (ALLOWED_ALGORITHMS.contains(alg.asText())) {
                    algorithms.add(alg.asText());
                }
            }
        }
        return new Discovery.Found(keysUrl, Set.copyOf(algorithms));
    }

    // ---- keys and signature -------------------------------------------------------------------------------

    private KeySet.Key verifySignature(String issuer, JwksSource source, CompactJws token) throws Rejection {
        KeySet keys = keySet(issuer, source);
        List<KeySet.Key> candidates = candidates(issuer, keys, token);
        if (candidates.isEmpty()) {
            keys = refreshedKeySet(issuer, keys);
            candidates = candidates(issuer, keys, token);
        }
        if (candidates.isEmpty()) {
            String dropped = keys.dropped().isEmpty() ? "" : " (dropped: " + keys.droppedSummary() + ")";
            if (keys.keys().isEmpty()) {
                throw new Rejection(OidcFailure.VERIFICATION_FAILED, Rejected.NO_USABLE_KEYS,
                        "the key set of " + issuer + " has no usable key" + dropped);
            }
            throw new Rejection(OidcFailure.VERIFICATION_FAILED, Rejected.UNKNOWN_KEY,
                    "no " + token.algorithm() + " key" + (token.keyId() == null ? ""
                            : " with kid \"" + Text.printable(token.keyId(), 100) + "\"")
                            + " in the key set of " + issuer + dropped);
        }
        for (KeySet.Key key : candidates) {
            if (key.verifies(token.jws())) {
                return key;
            }
        }
        throw new Rejection(OidcFailure.VERIFICATION_FAILED, Rejected.BAD_SIGNATURE,
                "signature does not verify with " + (candidates.size() == 1 ? "the matching key"
                        : "any of the " + candidates.size() + " matching keys") + " of " + issuer);
    }

    /** The keys to try (at most {@value KeySet#MAX_KEYS_PER_KID}); refuses a failed set and a kid-less token for several keys. */
    private static List<KeySet.Key> candidates(String issuer, KeySet keys, CompactJws token) throws Rejection {
        if (keys.isFailed()) {
            throw new Rejection(OidcFailure.VERIFICATION_FAILED, Rejected.JWKS_FETCH_FAILED, keys.failure());
        }
        if (token.keyId() == null && keys.keys().size() > 1) {
            throw new Rejection(OidcFailure.VERIFICATION_FAILED, Rejected.KID_REQUIRED, "token has no kid and the key set of "
                    + issuer + " has " + keys.keys().size() + " keys");
        }
        return keys.candidates(token.algorithm(), token.keyId());
    }

    private KeySet keySet(String issuer, JwksSource source) {
        KeySet cached = fresh(keySets, issuer);
        if (cached != null && cached.source().equals(source)) {
            return cached;
        }
        return keyLoads.run(issuer, () -> {
            KeySet again = fresh(keySets, issuer);
            if (again != null && again.source().equals(source)) {
                return again;
            }
            KeySet loaded = loadTraced(issuer, source);
            keySets.put(issuer, new Fresh<>(loaded, loaded.expiresAt()));
            return loaded;
        });
    }

    /**
     * The key set after an unknown kid: reloaded unless it was (re)loaded less than
     * {@value #KID_REFRESH_SECONDS} s ago. A failed reload keeps the old keys for their remaining time.
     */
    private KeySet refreshedKeySet(String issuer, KeySet seen) {
        return keyLoads.run(issuer, () -> {
            Instant now = now();
            Fresh<KeySet> entry = keySets.getIfPresent(issuer);
            KeySet current = entry == null ? null : entry.value();
            if (current != null && current.source().equals(seen.source())
                    && (current != seen || now.isBefore(current.attemptedAt().plus(KID_REFRESH_INTERVAL)))) {
                return current;
            }
            KeySet loaded = loadTraced(issuer, seen.source());
            if (loaded.isFailed()) {
                KeySet kept = seen.attemptedAt(now);
                keySets.put(issuer, new Fresh<>(kept, kept.expiresAt()));
                return loaded;
            }
            keySets.put(issuer, new Fresh<>(loaded, loaded.expiresAt()));
            return loaded;
        });
    }

    private KeySet loadTraced(String issuer, JwksSource source) {
        return telemetry.inSpan("oidc.jwks", Map.of("octosts.oidc.issuer", issuer,
                "octosts.oidc.jwks_source", source instanceof JwksSource.Remote ? "remote" : "file"), () -> load(source));
    }

    private KeySet load(JwksSource source) {
        Instant now = now();
        byte[] document;
        try {
            document = read(source);
        } catch (SafeFetcher.FetchException e) {
            return KeySet.failed(source, "key set: " + e.getMessage(), now, now.plus(JWKS_FAILURE_TTL));
        }
        try {
            return KeySet.loaded(source, KeySet.parse(document), now, now.plus(JWKS_TTL));
        } catch (ParseException e) {
            return KeySet.failed(source, "key set from " + describe(source) + " is not a valid JWKS", now,
                    now.plus(JWKS_FAILURE_TTL));
        }
    }

    private byte[] read(JwksSource source) throws SafeFetcher.FetchException {
        return switch (source) {
            case JwksSource.Remote remote -> fetcher.get(remote.url());
            case JwksSource.LocalFile file -> {
                try (InputStream in = Files.newInputStream(file.path())) {
                    byte[] bytes = in.readNBytes(SafeFetcher.MAX_BODY_BYTES + 1);
                    if (bytes.length > SafeFetcher.MAX_BODY_BYTES) {
                        throw new SafeFetcher.FetchException("file " + file.path() + " is larger than "
                                + SafeFetcher.MAX_BODY_BYTES + " bytes");
                    }
                    yield bytes;
                } catch (IOException e) {
                    throw new SafeFetcher.FetchException("cannot read file " + file.path() + " ("
                            + e.getClass().getSimpleName() + ")");
                }
            }
        };
    }

    private static String describe(JwksSource source) {
        return switch (source) {
            case JwksSource.Remote remote -> Text.printable(remote.url().toString(), 300);
            case JwksSource.LocalFile file -> file.path().toString();
        };
    }

    // ---- claims -------------------------------------------------------------------------------------------

    private VerifiedToken checkClaims(CompactJws token, String issuer, KeySet.Key key) throws Rejection {
        Map<String, Object> claims = token.claims();
        String iss = Objects.requireNonNullElse((String) claims.get("iss"), "");
        boolean googleWithoutScheme = issuer.equals(GOOGLE_ISSUER) && iss.equals(GOOGLE_ISSUER_WITHOUT_SCHEME);
        if (!iss.equals(issuer) && !googleWithoutScheme) {
            throw verificationFailed(Rejected.ISSUER_MISMATCH, "token iss does not equal the provider issuer " + issuer);
        }
        Instant now = now();
        Instant expiresAt = time(claims, "exp");
        if (expiresAt == null) {
            throw verificationFailed(Rejected.MISSING_EXP, "token has no exp and counts as expired");
        }
        if (expiresAt.isBefore(now)) {
            throw verificationFailed(Rejected.TOKEN_EXPIRED, "token expired at " + expiresAt + ", now is " + now);
        }
        Instant notBefore = time(claims, "nbf");
        if (notBefore != null && notBefore.isAfter(now.plus(MAX_NOT_BEFORE_AHEAD))) {
            throw verificationFailed(Rejected.NBF_IN_FUTURE, "token nbf " + notBefore
                    + " is more than 5 minutes after now, " + now);
        }
        time(claims, "iat");
        for (String stringClaim : List.of("nonce", "at_hash")) {
            if (claims.get(stringClaim) != null && !(claims.get(stringClaim) instanceof String)) {
                throw verificationFailed(Rejected.INVALID_CLAIMS, stringClaim + " is not a string");
            }
        }
        String subject = Objects.requireNonNullElse((String) claims.get("sub"), "");
        return new VerifiedToken(iss, subject, audience(claims), claims, expiresAt, key.keyId(), token.algorithm());
    }

    /** A NumericDate claim as an instant; null when absent or JSON null. */
    private static Instant time(Map<String, Object> claims, String name) throws Rejection {
        Object value = claims.get(name);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Number number)) {
            throw verificationFailed(Rejected.INVALID_CLAIMS, name + " is not a number");
        }
        try {
            BigDecimal seconds = new BigDecimal(number.toString());
            BigDecimal whole = seconds.setScale(0, RoundingMode.FLOOR);
            Instant instant = Instant.ofEpochSecond(whole.longValueExact(),
                    seconds.subtract(whole).movePointRight(9).intValue());
            if (instant.isAfter(LATEST_TIME)) {
                throw verificationFailed(Rejected.INVALID_CLAIMS, name + " is after the year 9999");
            }
            return instant;
        } catch (ArithmeticException | DateTimeException | NumberFormatException e) {
            throw verificationFailed(Rejected.INVALID_CLAIMS, name + " is out of range");
        }
    }

    /** {@code aud} decoded as go-oidc does: a string or an array of strings; JSON null becomes "". */
    private static List<String> audience(Map<String, Object> claims) throws Rejection {
        if (!claims.containsKey("aud")) {
            return List.of();
        }
        Object aud = claims.get("aud");
        if (aud == null) {
            return List.of("");
        }
        if (aud instanceof String single) {
            return List.of(single);
        }
        if (aud instanceof List<?> list) {
            List<String> audience = new ArrayList<>(list.size());
            for (Object entry : list) {
                if (entry != null && !(entry instanceof String)) {
                    throw verificationFailed(Rejected.INVALID_CLAIMS, "aud has an entry that is not a string");
                }
                audience.add(entry == null ? "" : (String) entry);
            }
            return audience;
        }
        throw verificationFailed(Rejected.INVALID_CLAIMS, "aud is neither a string nor an array of strings");
    }

    private static Rejection verificationFailed(String reason, String detail) {
        return new Rejection(OidcFailure.VERIFICATION_FAILED, reason, detail);
    }

    /** Bytes the key-set cache holds, after pending evictions, for tests. */
    long keySetCacheWeight() {
        keySets.cleanUp();
        return keySets.policy().eviction().orElseThrow().weightedSize().orElseThrow();
    }

    private Instant now() {
        return settings.clock().instant();
    }

    @Override
    public void close() {
        fetcher.close();
    }
}
