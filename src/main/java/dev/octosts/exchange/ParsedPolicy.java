package dev.octosts.exchange;

import dev.octosts.policy.TrustPolicy;
import java.util.List;
import java.util.Map;

/**
 * Owns what a trust policy said, as the exchange record carries it to the ledger: the fields of policy's
 * {@link TrustPolicy}, copied here so that the ledger stores them without knowing the policy package.
 *
 * @param claimPattern claim name to pattern, in file order
 * @param permissions  permission name to level, in file order
 * @param repositories org policies: the repositories listed, or null when the policy lists none
 */
public record ParsedPolicy(String issuer, String issuerPattern, String subject, String subjectPattern,
                           String audience, String audiencePattern, Map<String, String> claimPattern,
                           Map<String, String> permissions, List<String> repositories) {

    /** The policy's fields; its maps already keep file order and are unmodifiable. */
    public static ParsedPolicy of(TrustPolicy policy) {
        return new ParsedPolicy(policy.issuer(), policy.issuerPattern(), policy.subject(), policy.subjectPattern(),
                policy.audience(), policy.audiencePattern(), policy.claimPattern(), policy.permissions(),
                policy.repositories());
    }
}
