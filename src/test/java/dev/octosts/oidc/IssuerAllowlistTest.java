package dev.octosts.oidc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IssuerAllowlistTest {
    private static final IssuerAllowlist LIST = IssuerAllowlist.of(Set.of("https://token.actions.githubusercontent.com"),
            List.of("https://oidc\\.eks\\.[a-z0-9-]+\\.amazonaws\\.com/id/[A-Z0-9]+", "https://a\\.example|https://b\\.example"));

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
            "https://token.actions.githubusercontent.com, true",
            "https://token.actions.githubusercontent.com/, false",
            "https://TOKEN.actions.githubusercontent.com, false",
            "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC123, true",
            "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC123/x, false",
            "https://oidc.eks.eu-west-1.amazonaws.com.evil.example/id/ABC123, false",
            "https://a.example, true",
            "https://b.example, true",
            "https://a.example.evil.com, false",
            "https://evil.com/https://b.example, false",
    })
    void exactIssuersAndWholeMatchesOnly(String issuer, boolean allowed) {
        assertThat(LIST.allows(issuer)).isEqualTo(allowed);
        assertThat(LIST.isRestricted()).isTrue();
    }

    @Test
    void withoutEntriesEveryIssuerPasses() {
        assertThat(IssuerAllowlist.ANY.isRestricted()).isFalse();
        assertThat(IssuerAllowlist.ANY.allows("https://anyone.example")).isTrue();
        assertThat(IssuerAllowlist.of(Set.of(), List.of())).isEqualTo(IssuerAllowlist.ANY);
    }

    @Test
    void badEntriesAreRefusedByName() {
        assertThatIllegalArgumentException().isThrownBy(() -> IssuerAllowlist.of(Set.of("http://sts.example.com"), List.of()))
                .withMessage("\"http://sts.example.com\" is not a valid issuer (an https URL, http only on localhost,"
                        + " without query or fragment)");
        assertThatIllegalArgumentException().isThrownBy(() -> IssuerAllowlist.of(Set.of(), List.of("https://(a")))
                .withMessageStartingWith("\"https://(a\" is not a valid RE2 pattern: missing closing )");
        // Anchored naively as ^(?:a)|(b)$ this would compile and match anything starting with "a".
        assertThatIllegalArgumentException().isThrownBy(() -> IssuerAllowlist.of(Set.of(), List.of("a)|(b")))
                .withMessageStartingWith("\"a)|(b\" is not a valid RE2 pattern");
        assertThatIllegalArgumentException().isThrownBy(() -> IssuerAllowlist.of(Set.of(), List.of("(?<=a)b")))
                .withMessageStartingWith("\"(?<=a)b\" is not a valid RE2 pattern");
    }
}
