package dev.octosts.exchange;

import dev.octosts.gocompat.GoPath;
import java.util.List;

/**
 * Where a scope points: the owner, the repository holding the trust policy, and the repositories the
 * token may be limited to. Parsing follows Octo STS, which uses Go's {@code path.Dir} and
 * {@code path.Base}: {@code org/repo} is one repository, {@code org} is the org policy repository
 * (token not limited), {@code a/b/c} is owner {@code a/b} and repo {@code c}.
 *
 * @param repositories null when the token is not limited to named repositories
 */
record Target(String owner, String repo, boolean orgPolicy, List<String> repositories) {

    static Target parse(String scope, String orgPolicyRepo) {
        String owner = GoPath.dir(scope);
        String repo = GoPath.base(scope);
        if (owner.equals(".")) {
            return new Target(repo, orgPolicyRepo, true, null);
        }
        // A case-sensitive comparison, as in Octo STS: only the exact org policy repo takes org policies.
        return new Target(owner, repo, repo.equals(orgPolicyRepo), List.of(repo));
    }
}
