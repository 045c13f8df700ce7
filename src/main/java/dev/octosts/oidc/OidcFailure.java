package dev.octosts.oidc;

/**
 * The four ways Octo STS refuses a bearer token, each with the exact message it returns, and one of
 * ours. The caller maps them to gRPC codes: the first three are InvalidArgument,
 * {@link #VERIFICATION_FAILED} is Unauthenticated, {@link #OVERLOADED} is Unavailable.
 */
public enum OidcFailure {
    MALFORMED_TOKEN("invalid bearer token"),
    INVALID_ISSUER("invalid issuer format"),
    PROVIDER_UNAVAILABLE("unable to fetch or create the provider"),
    VERIFICATION_FAILED("unable to verify bearer token"),
    /** The issuer's keys had to be fetched, but this process already has as many fetches in flight as it allows. */
    OVERLOADED("too many requests in flight, try again");

    private final String publicMessage;

    OidcFailure(String publicMessage) {
        this.publicMessage = publicMessage;
    }

    /** The message a caller may see; it never carries detail about the token or the provider. */
    public String publicMessage() {
        return publicMessage;
    }
}
