package dev.octosts.exchange;

import dev.octosts.policy.CompiledTrustPolicy;
import dev.octosts.policy.PermissionLevels;

import java.util.List;
import java.util.Map;

/**
 * What GitHub is asked to mint: the repositories and permissions the trust policies grant together, narrowed
 * to what the caller asked for. One policy grants what it says (Octo STS); several grant, per permission, the
 * lowest level all of them grant.
 *
 * @param repositories null when the token covers every repository of the installation
 */
record TokenGrant(List<String> repositories, Map<String, String> permissions) {

    /**
     * The grant of {@code policies} (one per target, same order), narrowed by {@code asked}; refused when
     * the policies share no permission or the caller asked for more than they grant.
     */
    static Outcome<TokenGrant> decide(List<Target> targets, List<CompiledTrustPolicy> policies,
                                      ExchangeRequest.DownScoping asked, RecordBuilder record) {
        TokenGrant granted = targets.size() == 1 ? ofOne(targets.getFirst(), policies.getFirst()) : ofSeveral(targets,
                policies);
        if (targets.size() > 1 && granted.permissions().isEmpty()) {
            return Outcome.refused(Reason.NO_COMMON_PERMISSIONS.refusal());
        }
        List<String> repositories = granted.repositories();
        if (asked.repositories() != null) {
            for (String repository : asked.repositories()) {
                if (repositories != null && !repositories.contains(repository)) {
                    return Outcome.refused(Reason.REPOSITORY_NOT_GRANTED.refusal(repository));
                }
            }
            repositories = asked.repositories();
        }
        Map<String, String> permissions = granted.permissions();
        if (asked.permissions() != null) {
            String notCovered = PermissionLevels.firstNotCovered(asked.permissions(), permissions);
            if (notCovered != null) {
                return Outcome.refused(Reason.PERMISSION_NOT_GRANTED.refusal(notCovered));
            }
            permissions = asked.permissions();
        }
        record.granted(repositories, permissions);
        return Outcome.of(new TokenGrant(repositories, permissions));
    }

    /** Octo STS: the scope's repository, or an org policy's {@code repositories}, with the policy's permissions. */
    private static TokenGrant ofOne(Target target, CompiledTrustPolicy policy) {
        List<String> repositories = target.orgPolicy() && policy.policy().repositories() != null
                ? policy.policy().repositories()
                : target.repositories();
        return new TokenGrant(repositories, policy.policy().permissions());
    }

    private static TokenGrant ofSeveral(List<Target> targets, List<CompiledTrustPolicy> policies) {
        return new TokenGrant(targets.stream().map(Target::repo).toList(), PermissionLevels.lowestCommon(
                policies.stream().map(policy -> policy.policy().permissions()).toList()));
    }
}
