package dev.octosts.oidc;

/** Internal short-cut out of the verification steps; carries the {@link OidcResult.Rejected} to return. */
final class Rejection extends Exception {
    private final OidcResult.Rejected rejected;

    Rejection(OidcFailure failure, String reason, String detail) {
        super(reason, null, false, false);
        this.rejected = new OidcResult.Rejected(failure, reason, detail);
    }

    OidcResult.Rejected rejected() {
        return rejected;
    }
}
