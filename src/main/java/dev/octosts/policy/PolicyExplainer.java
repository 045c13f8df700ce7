package dev.octosts.policy;

import java.util.Map;
import java.util.OptionalInt;

/**
 * Owns explaining a trust policy's text against a token's claims, the one entry point shared by
 * {@code octo-sts policy explain} and the admin route {@code POST /policy/explain}: parse, compile, then every
 * check with the verdict ({@link CompiledTrustPolicy#explain}), or why the policy is invalid.
 */
public final class PolicyExplainer {
    private PolicyExplainer() {
    }

    /** What explaining one policy gave: an explanation, or the stage and problem of an invalid policy. */
    public sealed interface Outcome {
    }

    /** The policy compiled; every check against the claims and the verdict. */
    public record Explained(PolicyExplanation explanation) implements Outcome {
    }

    /**
     * The policy does not parse or compile, so the exchange refuses it whatever the token.
     *
     * @param stage   {@code parse} or {@code compile}, as the exchange's "unable to … trust policy" message says
     * @param problem what is wrong, in Octo STS's words
     * @param line    the line of the problem in the YAML text, when known
     */
    public record Invalid(String stage, String problem, OptionalInt line) implements Outcome {
    }

    /**
     * Explains {@code yaml} as a repository policy, or an org policy when {@code org}, against {@code claims}, with
     * {@code domain} as the audience required when the policy names none.
     */
    public static Outcome explain(String yaml, boolean org, Map<String, Object> claims, String domain) {
        String stage = "parse";
        try {
            TrustPolicy parsed = PolicyParser.parseTrustPolicy(yaml, org);
            stage = "compile";
            return new Explained(CompiledTrustPolicy.compile(parsed, org).explain(claims, domain));
        } catch (PolicyException e) {
            return new Invalid(stage, e.getMessage(), e.line());
        }
    }
}
