package dev.octosts.oidc;

/**
 * The {@code iss} a token claims before anything in it is verified: only for budgets and allowlists
 * that must act before any network fetch, never for a decision that grants anything.
 */
public final class UnverifiedIssuer {
    private UnverifiedIssuer() {
    }

    /** The claimed issuer, or null when the token is not a well-formed JWS with a string {@code iss}. */
    public static String of(String token) {
        try {
            return CompactJws.parse(token).claims().get("iss") instanceof String issuer ? issuer : null;
        } catch (Rejection e) {
            return null;
        }
    }
}
