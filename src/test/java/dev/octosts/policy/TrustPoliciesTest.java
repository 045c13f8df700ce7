package dev.octosts.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The compile cache is bounded by the heap its compiled policies hold, not by how many there are. */
class TrustPoliciesTest {
    /** About 9,000 instructions: under the 10,000 each pattern may have. */
    private static final String LARGE_PATTERN = "[a-z]{1000}".repeat(9);

    /** A distinct policy near the 40,000-instruction budget of one policy: four patterns of ~9,000. */
    private static String largePolicy(int n) {
        return """
                issuer_pattern: 'https://issuer%d[.]example/%s'
                subject_pattern: '%s'
                claim_pattern:
                  a: '%s'
                  b: '%s'
                """.formatted(n, LARGE_PATTERN, LARGE_PATTERN, LARGE_PATTERN, LARGE_PATTERN);
    }

    @Test
    void manyLargeCompiledPoliciesKeepTheCacheUnderItsWeightBudget() {
        TrustPolicies policies = new TrustPolicies();
        long compiledBytes = 0;
        int compiled = 0;
        while (compiledBytes < 2 * TrustPolicies.MAX_WEIGHT) {
            TrustPolicies.Compiled result = policies.compile(largePolicy(compiled++), false);
            assertThat(result.error()).isNull();
            compiledBytes += result.policy().estimatedHeapBytes();
        }

        assertThat(compiled).isLessThan(100);
        assertThat(policies.estimatedWeight()).isLessThanOrEqualTo(TrustPolicies.MAX_WEIGHT)
                .isGreaterThan(TrustPolicies.MAX_WEIGHT / 2);
    }
}
