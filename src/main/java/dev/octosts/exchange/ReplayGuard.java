package dev.octosts.exchange;

import dev.octosts.digest.Sha256;
import dev.octosts.oidc.VerifiedToken;

import java.util.Locale;

/**
 * Replay protection (opt-in, {@code EXCHANGE_REPLAY_PROTECTION}): an OIDC token is exchanged at most once
 * per scope and identity, whichever service process receives it. A token is known by its issuer and
 * {@code jti}, or by its own SHA-256 when it has no {@code jti}. Checked after the trust policy allowed the
 * token and before the mint, so that only tokens some policy accepts are remembered (a stranger cannot fill
 * the memory) and a refusal before that point (GitHub unavailable, a missing policy) leaves the token usable
 * for a retry.
 */
final class ReplayGuard {
    /** Off: Octo STS's behaviour, every valid token may be exchanged again until it expires. */
    static final ReplayGuard OFF = new ReplayGuard(null);

    private final TokenUses uses;

    ReplayGuard(TokenUses uses) {
        this.uses = uses;
    }

    /** Off: no step, no span, nothing asked of the database. */
    boolean enabled() {
        return uses != null;
    }

    /**
     * Passed on the token's first use for this scope and identity; refused on any later one, and when the
     * memory cannot be reached (fail closed: with protection on, an unchecked token is not exchanged).
     *
     * @param rawToken the token as sent, for the SHA-256 of what its issuer signed when it has no {@code jti}
     */
    Outcome<Void> firstUse(VerifiedToken token, String rawToken, String scope, String identity, RecordBuilder record) {
        if (uses == null) {
            return Outcome.passed();
        }
        try {
            return uses.claim(useKey(token, rawToken, scope, identity), token.expiresAt()) ? Outcome.passed()
                    : Outcome.refused(Reason.TOKEN_REPLAYED.refusal());
        } catch (TokenUses.UnavailableException e) {
            record.detail("replay memory: " + e.getMessage());
            return Outcome.refused(Reason.REPLAY_MEMORY_UNAVAILABLE.refusal());
        }
    }

    /**
     * The SHA-256 of the token's identity, its {@code exp}, the scope and the identity, each part
     * length-prefixed so that no two different tuples give the same text. The scope is lowercased: GitHub's
     * names are case-insensitive, so {@code Org/Repo} must not be a second use of a token spent on
     * {@code org/repo}. The {@code exp} keeps a jti an issuer reuses for a later token from being refused.
     * Without a jti the token is known by its header and payload, what the issuer signed: the signature's
     * text is not (base64url's last character has bits nobody checks, and an ECDSA signature has a twin).
     */
    static String useKey(VerifiedToken token, String rawToken, String scope, String identity) {
        String tokenId = token.claims().get("jti") instanceof String jti && !jti.isEmpty()
                ? "jti:" + jti
                : "sha256:" + Sha256.hex(rawToken.substring(0, Math.max(0, rawToken.lastIndexOf('.'))));
        StringBuilder text = new StringBuilder();
        for (String part : new String[] {token.issuer(), tokenId, Long.toString(token.expiresAt().getEpochSecond()),
                scope.toLowerCase(Locale.ROOT), identity}) {
            text.append(part.length()).append(':').append(part).append('\n');
        }
        return Sha256.hex(text.toString());
    }
}
