package dev.octosts.oidc;

/**
 * The four ways Octo STS refuses a bearer token, each with the exact message it returns. The caller
 * maps them to gRPC codes: the first three are InvalidArgument, {@link #VERIFICATION_FAILED} is
 * Unauthenticated.
 */
public enum OidcFailure {
    MALFORMED_TOKEN("invalid bearer token"),
    INVALID_ISSUER("invalid issuer format"),
    PROVIDER_UNAVAILABLE("unable to fetch or create the provider"),
    VERIFICATION_FAILED("unable to verify bearer token");

    private final String publicMessage;

    OidcFailure(String publicMessage) {
        this.publicMessage = publicMessage;
    }

    /** The message a caller may see; it never carries detail about the token or the provider. */
    public String publicMessage() {
        return publicMessage;
    }
}
