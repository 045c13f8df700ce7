package dev.octosts.oidc;

/**
 * The {@code iss} and {@code sub} a token claims before anything in it is verified: only for budgets,
 * allowlists and turns that must be decided before any network fetch, never for a decision that grants
 * anything.
 */
public final class UnverifiedIssuer {
    /** What a token claims; either is null when it is not a string, both when the token is not a well-formed JWS. */
    public record Claimed(String issuer, String subject) {
        public static final Claimed NOTHING = new Claimed(null, null);
    }

    private UnverifiedIssuer() {
    }

    public static Claimed claimed(String token) {
        try {
            var claims = CompactJws.parse(token).claims();
            return new Claimed(claims.get("iss") instanceof String issuer ? issuer : null,
                    claims.get("sub") instanceof String subject ? subject : null);
        } catch (Rejection e) {
            return Claimed.NOTHING;
        }
    }
}
