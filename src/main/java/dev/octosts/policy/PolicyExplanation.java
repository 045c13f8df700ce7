package dev.octosts.policy;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Why a trust policy allows or denies a token: every check in the order the exchange runs them, the verdict
 * ({@link CompiledTrustPolicy#check}'s own result) and what an allowed exchange would grant. Meant for policy
 * authors and authenticated operators only: it shows every claim the policy looks at, which the public
 * exchange endpoint never does.
 *
 * @param steps        the token's well-formedness first, then issuer, subject, audience and each
 *                     {@code claim_pattern} entry in file order; all of them are evaluated, the verdict is the
 *                     first failure; when the token is malformed only that step is present
 * @param result       the verdict, equal to {@code check(claims, domain)}
 * @param permissions  the permissions the policy grants, in file order
 * @param repositories org policies: the repositories listed, or null when the policy lists none
 */
public record PolicyExplanation(List<Step> steps, CheckResult result, Map<String, String> permissions,
                                List<String> repositories) {

    public PolicyExplanation {
        steps = List.copyOf(steps);
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(permissions, "permissions"); // kept as given: file order
        repositories = repositories == null ? null : List.copyOf(repositories);
    }

    /**
     * One check.
     *
     * @param check    {@code token}, {@code issuer}, {@code subject}, {@code audience} or {@code claim "name"}
     * @param seen     the token's value, Go-quoted (or a description such as {@code (absent)})
     * @param expected what the policy requires, e.g. {@code equals "x"} or {@code matches pattern "p"}
     * @param failure  the exchange's denial message for this check; empty when it passed
     */
    public record Step(String check, String seen, String expected, String failure) {
        public Step {
            Objects.requireNonNull(check, "check");
            Objects.requireNonNull(seen, "seen");
            Objects.requireNonNull(expected, "expected");
            Objects.requireNonNull(failure, "failure");
        }

        public boolean passed() {
            return failure.isEmpty();
        }
    }
}
