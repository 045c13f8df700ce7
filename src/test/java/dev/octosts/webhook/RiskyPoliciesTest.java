package dev.octosts.webhook;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Which subject patterns count as accepting any ref (see {@link RiskyPolicies#acceptsAnyRef}). */
class RiskyPoliciesTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ';', textBlock = """
            .* ; true
            .+ ; true
            repo:.* ; true
            repo:org/repo:.* ; true
            repo:org/repo:ref:.* ; true
            repo:org/repo:ref:refs/heads/.* ; true
            repo:org/repo:ref:refs/tags/.* ; true
            repo:org/my\\.repo:ref:refs/heads/.+ ; true
            repo:org/repo:ref:refs/heads/(main|.*) ; true
            repo:org/[a-z]+:ref:refs/heads/[a-z0-9-]+ ; true
            repo:org/repo:ref:refs/heads/main ; false
            repo:org/repo:ref:refs/heads/(main|develop) ; false
            repo:org/repo:ref:refs/heads/release-.* ; false
            repo:org/repo:ref:refs/tags/v[0-9]+\\.[0-9]+ ; false
            repo:org/repo:environment:.* ; false
            repo:org/repo:pull_request ; false
            """)
    void acceptsAnyRef(String pattern, boolean flagged) {
        assertThat(RiskyPolicies.acceptsAnyRef(pattern)).isEqualTo(flagged);
    }
}
