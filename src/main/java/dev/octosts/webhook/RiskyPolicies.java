package dev.octosts.webhook;

import dev.octosts.policy.GoRegex;
import dev.octosts.policy.RegexSyntaxException;
import dev.octosts.policy.TrustPolicy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Warnings about trust policies that are valid but risky. They are advice in the check run and never change
 * its conclusion:
 * <ul>
 * <li>an org policy granting a write (or admin) permission without a non-empty {@code repositories} list, so
 *     the token reaches every repository the App can see;</li>
 * <li>a {@code subject_pattern} that accepts any ref (see {@link #acceptsAnyRef});</li>
 * <li>a policy granting {@code administration} at any level, or {@code workflows} at write or admin.</li>
 * </ul>
 */
public final class RiskyPolicies {
    /** A branch and tag name no one names in a policy on purpose. */
    static final String CANARY_REF = "octo-sts-canary-ref-7d1f";
    static final String CANARY_REPO_BASE = "repo:octo-sts-canary/octo-sts-canary-7d1f:";
    /** {@code repo:OWNER/REPO:} as a pattern names it, once {@code \.} and {@code \-} are read as the characters. */
    private static final Pattern NAMED_REPO = Pattern.compile("repo:([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+):");
    private static final Set<String> WRITE_LEVELS = Set.of("write", "admin");

    private RiskyPolicies() {
    }

    /** The warnings for a policy that compiled; {@code orgPolicy} when it was read as an org policy. */
    public static List<String> warnings(TrustPolicy policy, boolean orgPolicy) {
        List<String> warnings = new ArrayList<>();
        if (orgPolicy && (policy.repositories() == null || policy.repositories().isEmpty())) {
            List<String> writes = policy.permissions().entrySet().stream()
                    .filter(p -> WRITE_LEVELS.contains(level(p)))
                    .map(p -> p.getKey() + ": " + p.getValue()).toList();
            if (!writes.isEmpty()) {
                warnings.add("org policy grants " + String.join(", ", writes) + " without a repositories list,"
                        + " so its tokens can write to every repository the GitHub App can see");
            }
        }
        if (!policy.subjectPattern().isEmpty() && acceptsAnyRef(policy.subjectPattern())) {
            warnings.add("subject_pattern accepts any branch or tag (it matches the made-up ref "
                    + CANARY_REF + "), so anyone who can push a branch can use this policy");
        }
        String administration = policy.permissions().get("administration");
        if (administration != null) {
            warnings.add("grants administration: " + administration
                    + ", which can change repository settings and branch protection");
        }
        String workflows = policy.permissions().get("workflows");
        if (workflows != null && WRITE_LEVELS.contains(workflows.toLowerCase(Locale.ROOT))) {
            warnings.add("grants workflows: " + workflows + ", which can change GitHub Actions workflows");
        }
        return warnings;
    }

    /**
     * Whether a subject pattern, matched as the exchange matches it ({@code ^(?:p)$}), accepts a branch or tag
     * its author cannot have meant: it matches {@code B + "ref:refs/heads/" + CANARY_REF} or
     * {@code B + "ref:refs/tags/" + CANARY_REF}, where {@code B} is the {@code repo:OWNER/REPO:} the pattern
     * names, or a made-up repository. So {@code repo:o/r:.*}, {@code repo:o/r:ref:refs/heads/.*} and {@code .*}
     * are flagged; {@code repo:o/r:ref:refs/heads/release-.*} and {@code repo:o/r:environment:.*} are not.
     */
    static boolean acceptsAnyRef(String subjectPattern) {
        GoRegex regex;
        try {
            regex = GoRegex.compileFullMatch(subjectPattern);
        } catch (RegexSyntaxException e) {
            return false;
        }
        Set<String> bases = new LinkedHashSet<>();
        Matcher named = NAMED_REPO.matcher(subjectPattern.replace("\\.", ".").replace("\\-", "-"));
        if (named.find()) {
            bases.add(named.group());
        }
        bases.add(CANARY_REPO_BASE);
        for (String base : bases) {
            if (regex.matches(base + "ref:refs/heads/" + CANARY_REF) || regex.matches(base + "ref:refs/tags/" + CANARY_REF)) {
                return true;
            }
        }
        return false;
    }

    private static String level(Map.Entry<String, String> permission) {
        return permission.getValue().toLowerCase(Locale.ROOT);
    }
}
