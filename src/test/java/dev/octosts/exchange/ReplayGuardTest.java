package dev.octosts.exchange;

import dev.octosts.oidc.VerifiedToken;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What makes two uses of a token the same use: issuer, jti (or the token's hash), exp, scope and identity. */
class ReplayGuardTest {
    private static final Instant EXP = Instant.parse("2026-12-06T08:00:00Z");

    @Test
    void theSameTokenForTheSameScopeAndIdentityIsTheSameUse() {
        String key = ReplayGuard.useKey(token("https://issuer", "jti-1", EXP), "raw", "org/repo", "ci");

        assertThat(ReplayGuard.useKey(token("https://issuer", "jti-1", EXP), "another raw", "org/repo", "ci"))
                .as("a jti names the token, whatever its bytes").isEqualTo(key);
        assertThat(ReplayGuard.useKey(token("https://issuer", "jti-1", EXP), "raw", "Org/Repo", "ci"))
                .as("GitHub names are case-insensitive").isEqualTo(key);
        assertThat(key).matches("[0-9a-f]{64}");
    }

    @Test
    void anyOtherPartMakesAnotherUse() {
        String key = ReplayGuard.useKey(token("https://issuer", "jti-1", EXP), "raw", "org/repo", "ci");

        assertThat(List.of(
                ReplayGuard.useKey(token("https://other", "jti-1", EXP), "raw", "org/repo", "ci"),
                ReplayGuard.useKey(token("https://issuer", "jti-2", EXP), "raw", "org/repo", "ci"),
                ReplayGuard.useKey(token("https://issuer", "jti-1", EXP.plusSeconds(1)), "raw", "org/repo", "ci"),
                ReplayGuard.useKey(token("https://issuer", "jti-1", EXP), "raw", "org/other", "ci"),
                ReplayGuard.useKey(token("https://issuer", "jti-1", EXP), "raw", "org/repo", "CI"),
                // The parts are length-prefixed: moving a character from one part to the next is another use.
                ReplayGuard.useKey(token("https://issuer", "jti-1", EXP), "raw", "org/rep", "oci")))
                .doesNotContain(key).doesNotHaveDuplicates();
    }

    /**
     * Without a jti, what the issuer signed names the token: another signature text for the same header and
     * payload (base64url's unchecked last bits, an ECDSA twin) is the same token, another payload is not.
     */
    @Test
    void withoutJtiWhatTheIssuerSignedNamesIt() {
        String key = ReplayGuard.useKey(token("https://issuer", null, EXP), "header.payload.sigA", "org/repo", "ci");

        assertThat(ReplayGuard.useKey(token("https://issuer", null, EXP), "header.payload.sigA", "org/repo", "ci"))
                .isEqualTo(key);
        assertThat(ReplayGuard.useKey(token("https://issuer", null, EXP), "header.payload.sigB", "org/repo", "ci"))
                .as("the same signed part with its signature written otherwise").isEqualTo(key);
        assertThat(ReplayGuard.useKey(token("https://issuer", null, EXP), "header.other.sigA", "org/repo", "ci"))
                .isNotEqualTo(key);
        assertThat(ReplayGuard.useKey(token("https://issuer", "", EXP), "header.payload.sigA", "org/repo", "ci"))
                .as("an empty jti names nothing: the hash does").isEqualTo(key);
    }

    @Test
    void offPassesEveryToken() {
        RecordBuilder record = new RecordBuilder(new ExchangeRequest("r", List.of(), "", List.of(), "", "ip", "ua"),
                Instant.EPOCH);
        assertThat(ReplayGuard.OFF.firstUse(token("https://issuer", "j", EXP), "raw", "org/repo", "ci", record))
                .isEqualTo(Outcome.passed());
    }

    private static VerifiedToken token(String issuer, String jti, Instant exp) {
        Map<String, Object> claims = new HashMap<>();
        claims.put("iss", issuer);
        if (jti != null) {
            claims.put("jti", jti);
        }
        return new VerifiedToken(issuer, "sub", List.of("aud"), claims, exp, null, "RS256");
    }
}
