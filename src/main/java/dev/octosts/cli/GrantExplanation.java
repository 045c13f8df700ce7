package dev.octosts.cli;

import dev.octosts.policy.PermissionLevels;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The part of {@code policy explain} after the policies allowed the token: for several repositories, the
 * lowest level every policy grants; for {@code --permissions}, whether the grant covers what is asked. The
 * verdicts are the exchange's (no_common_permissions, permission_not_granted).
 *
 * @param scopes    the repositories, one per policy; null for one policy without {@code --scopes}
 * @param requested the permissions asked for; null when not asked
 */
record GrantExplanation(List<String> scopes, Map<String, String> requested) {
    private static final Pattern REPOSITORY_SCOPE = Pattern.compile("([^/\\s]+)/([^/\\s]+)");
    private static final Pattern PERMISSION = Pattern.compile("([a-z][a-z_]{0,63}):([a-z]{1,16})");

    /** The options checked: usage errors for what the exchange would refuse as malformed. */
    static GrantExplanation of(List<String> scopes, int policies, boolean org, String permissions) {
        if (scopes == null && policies > 1) {
            throw new PolicyCommand.UsageException("several --policy files need --scopes, one repository per policy");
        }
        if (scopes != null) {
            if (org) {
                throw new PolicyCommand.UsageException("--scopes names repositories; it does not go with --org");
            }
            if (scopes.size() != policies) {
                throw new PolicyCommand.UsageException("give one --policy per repository of --scopes, in the same order");
            }
            if (scopes.size() > 100) {
                throw new PolicyCommand.UsageException("at most 100 repositories per request");
            }
            if (!scopes.stream().allMatch(scope -> REPOSITORY_SCOPE.matcher(scope).matches())) {
                throw new PolicyCommand.UsageException("--scopes must be owner/repo entries separated by commas");
            }
            if (scopes.stream().map(scope -> scope.substring(0, scope.indexOf('/'))).distinct().count() > 1) {
                throw new PolicyCommand.UsageException("scopes must name repositories of one owner");
            }
        }
        return new GrantExplanation(scopes, permissions == null ? null : requested(permissions));
    }

    private static Map<String, String> requested(String permissions) {
        Map<String, String> requested = new LinkedHashMap<>();
        for (String entry : permissions.split(",", -1)) {
            var matcher = PERMISSION.matcher(entry.strip());
            if (!matcher.matches() || requested.put(matcher.group(1), matcher.group(2)) != null) {
                throw new PolicyCommand.UsageException(
                        "--permissions must be name:level pairs separated by commas, e.g. contents:read,issues:write");
            }
        }
        return requested;
    }

    /** Prints the token's grant; false when the exchange would refuse it. */
    boolean print(List<Map<String, String>> granted, PrintStream out) {
        Map<String, String> permissions = granted.getFirst();
        if (scopes != null && scopes.size() > 1) {
            permissions = PermissionLevels.lowestCommon(granted);
            out.println("token for " + String.join(", ", scopes) + ":");
            out.println("permissions every policy grants (lowest level):");
            if (permissions.isEmpty()) {
                out.println("  (none)");
                out.println("verdict: deny (PermissionDenied): the trust policies of these repositories grant no"
                        + " permission in common");
                return false;
            }
            permissions.forEach((name, level) -> out.println("  " + name + ": " + level));
        }
        if (requested == null) {
            return true;
        }
        out.println("permissions requested:");
        requested.forEach((name, level) -> out.println("  " + name + ": " + level));
        String notCovered = PermissionLevels.firstNotCovered(requested, permissions);
        if (notCovered != null) {
            out.println("verdict: deny (PermissionDenied): requested permission " + notCovered
                    + " is more than the trust policy grants");
            return false;
        }
        out.println("verdict: allow, the token gets exactly the permissions requested");
        return true;
    }
}
