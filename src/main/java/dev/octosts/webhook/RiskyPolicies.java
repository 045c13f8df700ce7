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
    /**
     * A branch, tag, owner and repository name no one names in a policy on purpose; lower-case letters only, so
     * that classes such as {@code [a-z]+} or {@code [a-z0-9-]+} match it as they would match an attacker's name.
     */
    static final String CANARY = "octostscanary";
    /** {@code repo:OWNER/REPO:} as a pattern names it, once {@code \.} and {@code \-} are read as the characters. */
    private static final Pattern NAMED_REPO = Pattern.compile("repo:([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+):");
    private static final Pattern NAMED_OWNER = Pattern.compile("repo:([A-Za-z0-9_.-]+)/");
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
            warnings.add("subject_pattern accepts any branch or tag (it matches the made-up ref refs/heads/"
                    + CANARY + "), so anyone who can push a branch can use this policy");
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
     * its author cannot have meant: it matches {@code B + "ref:refs/heads/" + CANARY} or
     * {@code B + "ref:refs/tags/" + CANARY}, where {@code B} is {@code repo:OWNER/REPO:} as the pattern names
     * it, else {@code repo:OWNER/CANARY:} with the owner it names, else {@code repo:CANARY/CANARY:}. So
     * {@code repo:o/r:.*}, {@code repo:o/r:ref:refs/heads/.*}, {@code repo:o/[a-z]+:ref:refs/heads/[a-z-]+}
     * and {@code .*} are flagged; {@code repo:o/r:ref:refs/heads/release-.*} and
     * {@code repo:o/r:environment:.*} are not. Best effort: a pattern that spells its owner or repository
     * with regex syntax beyond {@code \.} and {@code \-} may escape the check.
     */
    static boolean acceptsAnyRef(String subjectPattern) {
        GoRegex regex;
        try {
            regex = GoRegex.compileFullMatch(subjectPattern);
        } catch (RegexSyntaxException e) {
            return false;
        }
        String literal = subjectPattern.replace("\\.", ".").replace("\\-", "-");
        Set<String> bases = new LinkedHashSet<>();
        Matcher named = NAMED_REPO.matcher(literal);
        if (named.find()) {
            bases.add(named.group());
        }
        Matcher owner = NAMED_OWNER.matcher(literal);
        if (owner.find()) {
            bases.add("repo:" + owner.group(1) + "/" + CANARY + ":");
        }
        bases.add("repo:" + CANARY + "/" + CANARY + ":");
        for (String base : bases) {
            if (regex.matches(base + "ref:refs/heads/" + CANARY) || regex.matches(base + "ref:refs/tags/" + CANARY)) {
                return true;
            }
        }
        return false;
    }

    private static String level(Map.Entry<String, String> permission) {
        return permission.getValue().toLowerCase(Locale.ROOT);
    }
}
