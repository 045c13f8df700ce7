package dev.octosts.oidc;

import java.util.Objects;

/** The outcome of {@link OidcVerifier#verify(String)}: a verified token or a reasoned rejection. */
public sealed interface OidcResult {

    record Verified(VerifiedToken token) implements OidcResult {
        public Verified {
            Objects.requireNonNull(token, "token");
        }
    }

    /**
     * A refused token. {@code reason} is one of the stable snake_case constants below (for metrics and
     * the audit record); {@code detail} is human text for logs and never contains the token.
     */
    record Rejected(OidcFailure failure, String reason, String detail) implements OidcResult {
        /** More than {@link OidcVerifier#MAX_TOKEN_CHARS} characters. */
        public static final String TOKEN_TOO_LARGE = "token_too_large";
        /** Not a compact JWS with JSON header and payload objects (also JWE, bad base64url, duplicate keys). */
        public static final String MALFORMED_TOKEN = "malformed_token";
        /** {@code alg: none}: an unsigned token. */
        public static final String UNSIGNED_TOKEN = "unsigned_token";
        /** The {@code iss} claim fails {@link OidcFields#isValidIssuer(String)}. */
        public static final String INVALID_ISSUER = "invalid_issuer";
        /** OpenID discovery failed: fetch, status, size, JSON, issuer mismatch or unusable jwks_uri. */
        public static final String DISCOVERY_FAILED = "discovery_failed";
        /** The JWS algorithm is not one of RS256, RS384, RS512, ES256, ES384, PS256 (HMAC included). */
        public static final String UNSUPPORTED_ALGORITHM = "unsupported_algorithm";
        /** The key set could not be fetched, read or parsed. */
        public static final String JWKS_FETCH_FAILED = "jwks_fetch_failed";
        /** The issuer is not on the service's allowlist ({@code OIDC_ALLOWED_ISSUERS} and {@code _PATTERNS}); nothing was fetched. */
        public static final String ISSUER_NOT_ALLOWED = "issuer_not_allowed";
        /** The key set holds no usable key: every key was dropped by the rules of {@link KeySet}, or there were none. */
        public static final String NO_USABLE_KEYS = "no_usable_keys";
        /** The token has no {@code kid} and the issuer's key set has more than one usable key. */
        public static final String KID_REQUIRED = "kid_required";
        /** No key in the issuer's key set matches the token's kid and algorithm, even after a refresh. */
        public static final String UNKNOWN_KEY = "unknown_key";
        /** No candidate key verifies the signature. */
        public static final String BAD_SIGNATURE = "bad_signature";
        /** The signed {@code iss} differs from the provider's issuer. */
        public static final String ISSUER_MISMATCH = "issuer_mismatch";
        /** A registered claim has the wrong JSON type ({@code exp}, {@code nbf}, {@code aud}). */
        public static final String INVALID_CLAIMS = "invalid_claims";
        /** No {@code exp}: Octo STS treats such a token as expired. */
        public static final String MISSING_EXP = "missing_exp";
        /** {@code exp} is in the past (no leeway). */
        public static final String TOKEN_EXPIRED = "token_expired";
        /** {@code nbf} is more than five minutes in the future. */
        public static final String NBF_IN_FUTURE = "nbf_in_future";
        /** A bug on our side; the token is refused rather than accepted. */
        public static final String INTERNAL_ERROR = "internal_error";
        public static final String OUTBOUND_LIMIT = "outbound_limit";

        public Rejected {
            Objects.requireNonNull(failure, "failure");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }
    }
}
