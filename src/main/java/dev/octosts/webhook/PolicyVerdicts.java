package dev.octosts.webhook;

import dev.octosts.policy.OrgSettings;
import dev.octosts.policy.OrgTrustedIssuers;
import dev.octosts.policy.PolicyException;
import dev.octosts.policy.TrustPolicies;
import java.util.List;

/**
 * Judges one validated file as the exchange would read it: a trust policy is parsed AND compiled by the
 * exchange's own {@link TrustPolicies} (the one instance and cache) (a deliberate deviation from Octo STS, which only parses), as an org
 * policy in the org policy repository; the issuer allowlist is parsed and compiled by
 * {@link OrgTrustedIssuers#parse}, the org settings by {@link OrgSettings#parse}. Valid trust policies may carry {@link RiskyPolicies warnings}.
 */
public final class PolicyVerdicts {
    /**
     * One file's verdict.
     *
     * @param error    {@code "<path>: <reason>"}, or null when the file is valid
     * @param warnings {@code "<path>: <warning>"} for a valid but risky policy
     */
    public record Verdict(String error, List<String> warnings) {
        public Verdict {
            warnings = List.copyOf(warnings);
        }

        public boolean valid() {
            return error == null;
        }
    }

    private final TrustPolicies trustPolicies;
    private final String orgPolicyRepo;

    /** @param trustPolicies the exchange's compile cache, so a file is judged as the exchange judges it */
    public PolicyVerdicts(String orgPolicyRepo, TrustPolicies trustPolicies) {
        this.orgPolicyRepo = orgPolicyRepo;
        this.trustPolicies = trustPolicies;
    }

    public Verdict judge(String repo, String path, String text) {
        if (ValidatedPaths.isOrgPolicyRepo(repo, orgPolicyRepo)) {
            if (ValidatedPaths.isAllowlist(path)) {
                return parsed(path, () -> OrgTrustedIssuers.parse(text));
            }
            if (ValidatedPaths.isOrgSettings(path)) {
                return parsed(path, () -> OrgSettings.parse(text));
            }
        }
        // GitHub repository names ignore case, and the exchange reads the org policy repo of scope "org" as
        // an org policy whatever case the repository has: so does the webhook.
        boolean orgPolicy = ValidatedPaths.isOrgPolicyRepo(repo, orgPolicyRepo);
        TrustPolicies.Compiled compiled = trustPolicies.compile(text, orgPolicy);
        if (compiled.error() != null) {
            return new Verdict(path + ": " + compiled.error().getMessage(), List.of());
        }
        return new Verdict(null, RiskyPolicies.warnings(compiled.parsed(), orgPolicy).stream()
                .map(warning -> path + ": " + warning).toList());
    }

    /** A file of the org policy repository other than a trust policy: what parsing it says. */
    private interface OrgFileParse {
        void run() throws PolicyException;
    }

    private static Verdict parsed(String path, OrgFileParse parse) {
        try {
            parse.run();
            return new Verdict(null, List.of());
        } catch (PolicyException e) {
            return new Verdict(path + ": " + e.getMessage(), List.of());
        }
    }
}
