package dev.octosts.oidc;

import static dev.octosts.oidc.OidcResult.Rejected;

import dev.octosts.telemetry.Telemetry;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 *       key set at most once per issuer per {@value KeySetStore#KID_REFRESH_SECONDS} s. Failures:
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
 * {@value ProviderDiscovery#MAX_PROVIDER_CACHE_WEIGHT} bytes of discovery results ({@link ProviderDiscovery}),
 * {@value KeySetStore#MAX_KEY_SET_CACHE_WEIGHT} bytes of key sets ({@link KeySetStore}), issuer names included):
 * discovery results for 1 h, discovery failures for 15 s; key sets for 10 min, key-set failures for 15 s. Concurrent cold requests for one issuer share one fetch. The token
 * never appears in a result, log or exception; details name issuers and URLs only.
 */
public final class OidcVerifier implements AutoCloseable {
    public static final int MAX_TOKEN_CHARS = 16_384;
    static final Set<String> ALLOWED_ALGORITHMS = Set.of("RS256", "RS384", "RS512", "ES256", "ES384", "PS256");
    static final Duration MAX_NOT_BEFORE_AHEAD = Duration.ofMinutes(5);
    static final String GOOGLE_ISSUER = "https://accounts.google.com";
    static final String GOOGLE_ISSUER_WITHOUT_SCHEME = "accounts.google.com";
    private static final Instant LATEST_TIME = Instant.parse("9999-12-31T23:59:59Z");

    private final OidcSettings settings;
    private final SafeFetcher fetcher;
    private final ProviderDiscovery discovery;
    private final KeySetStore keySets;

    public OidcVerifier(OidcSettings settings) {
        this(settings, Telemetry.off());
    }

    public OidcVerifier(OidcSettings settings, Telemetry telemetry) {
        Objects.requireNonNull(telemetry, "telemetry");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.fetcher = new SafeFetcher(settings.privateNetworkHosts(), settings.connectTimeout(),
                settings.readTimeout());
        this.discovery = new ProviderDiscovery(settings.clock(), fetcher, telemetry);
        this.keySets = new KeySetStore(settings.clock(), fetcher, telemetry);
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
            ProviderDiscovery.Discovery.Found provider = discovery.provider(issuer);
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

    // ---- keys and signature -------------------------------------------------------------------------------

    private KeySet.Key verifySignature(String issuer, JwksSource source, CompactJws token) throws Rejection {
        KeySet keys = keySets.keySet(issuer, source);
        List<KeySet.Key> candidates = candidates(issuer, keys, token);
        if (candidates.isEmpty()) {
            keys = keySets.refreshed(issuer, keys);
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
        return keySets.cacheWeight();
    }

    private Instant now() {
        return settings.clock().instant();
    }

    @Override
    public void close() {
        fetcher.close();
    }
}
