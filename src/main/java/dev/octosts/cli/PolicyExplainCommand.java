package dev.octosts.cli;

import dev.octosts.policy.CheckResult;
import dev.octosts.gocompat.GoText;
import dev.octosts.policy.PolicyExplainer;
import dev.octosts.policy.PolicyExplanation;
import dev.octosts.policy.PolicyFileCheck;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code octo-sts policy explain}: every check of a trust policy against a token's claims, then the verdict.
 * Exit 0 when the policy allows the token, 1 when it denies it (or does not compile), 2 for bad arguments.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Show each check of a trust policy (issuer, subject, audience, each claim_pattern) against a"
                + " token's claims, with the value seen, what the policy requires and pass/FAIL, then the verdict the"
                + " exchange would give and the permissions it would grant.",
                "--token decodes the JWT payload WITHOUT verifying its signature and never prints the token.",
                "Exit 0 when allowed, 1 when denied or the policy is invalid, 2 for bad arguments."})
final class PolicyExplainCommand extends PolicyCommand.Subcommand {

    @Option(names = "--policy", paramLabel = "FILE", description = "The trust policy (<identity>.sts.yaml); with"
            + " --scopes, once per repository in the same order.")
    List<Path> policyFiles;

    @Option(names = "--scopes", split = ",", paramLabel = "OWNER/REPO",
            description = "The repositories of one owner that the --policy files guard, in the same order: explains"
                    + " one token for all of them (each policy must allow it; per permission, the lowest level all grant).")
    List<String> scopes;

    @Option(names = "--permissions", paramLabel = "NAME:LEVEL[,NAME:LEVEL...]",
            description = "The permissions the caller asks for (down-scoping), e.g. contents:read,issues:write: the"
                    + " token gets exactly these when the policies grant them, otherwise the exchange refuses.")
    String permissions;

    @Option(names = "--domain", paramLabel = "D", defaultValue = "",
            description = "The STS domain: the audience required when the policy names none (default: none).")
    String domain;

    @Option(names = "--org", description = "Read the policy as an org policy (in the org policy repository).")
    boolean org;

    @Mixin
    TokenClaims token;

    @Override
    int run() {
        if (policyFiles == null || policyFiles.isEmpty()) {
            throw new PolicyCommand.UsageException("--policy FILE is required (see --help)");
        }
        token.requireOne();
        GrantExplanation grant = GrantExplanation.of(scopes, policyFiles.size(), org, permissions);
        Map<String, Object> claims = token.claims(policy::readInput);
        PrintStream out = policy.out();
        List<Map<String, String>> granted = new ArrayList<>();
        for (int i = 0; i < policyFiles.size(); i++) {
            if (scopes != null) {
                out.println("scope: " + scopes.get(i));
            }
            Map<String, String> permissionsOfOne = explainOne(policyFiles.get(i), claims, out);
            if (permissionsOfOne == null) {
                // The exchange stops at the first policy that refuses the token.
                return PolicyCommand.EXIT_REFUSED;
            }
            granted.add(permissionsOfOne);
        }
        return grant.print(granted, out) ? 0 : PolicyCommand.EXIT_REFUSED;
    }

    /** Explains one policy; the permissions it grants when it allows the token, null otherwise. */
    private Map<String, String> explainOne(Path policyFile, Map<String, Object> claims, PrintStream out) {
        String yaml = PolicyCommand.readUtf8(policyFile, PolicyFileCheck.MAX_FILE_BYTES);
        if (yaml == null) {
            throw new PolicyCommand.UsageException(policyFile + " is too large to be a trust policy (max "
                    + PolicyFileCheck.MAX_FILE_BYTES + " bytes)");
        }
        out.println("policy: " + policyFile + (org ? " (org policy)" : " (repository policy)"));
        out.println("claims: " + token.origin());
        out.println("domain: " + (domain.isEmpty() ? "(none)" : GoText.quote(domain)));
        return switch (PolicyExplainer.explain(yaml, org, claims, domain)) {
            case PolicyExplainer.Invalid invalid -> {
                PolicyFileCheck.check(yaml, org ? PolicyFileCheck.Kind.ORG_POLICY : PolicyFileCheck.Kind.REPO_POLICY)
                        .ifPresent(problem -> out.println("invalid policy: " + PolicyCheckCommand.describe(policyFile, problem)));
                // What the exchange answers for such a policy (README rules 1 and 8).
                out.println("verdict: deny (NotFound): unable to " + invalid.stage() + " trust policy found for "
                        + GoText.quote(identity(policyFile)));
                if (!org && PolicyFileCheck.check(yaml, PolicyFileCheck.Kind.ORG_POLICY).isEmpty()) {
                    out.println("hint: it is a valid org policy (in the org policy repository): explain it with --org");
                }
                yield null;
            }
            case PolicyExplainer.Explained explained -> {
                print(explained.explanation(), out);
                yield explained.explanation().result().allowed() ? explained.explanation().permissions() : null;
            }
        };
    }

    /** The identity a policy file serves: its name without {@code .sts.yaml}. */
    private static String identity(Path policyFile) {
        String name = policyFile.getFileName() == null ? "" : policyFile.getFileName().toString();
        return name.endsWith(".sts.yaml") ? name.substring(0, name.length() - ".sts.yaml".length()) : name;
    }

    private void print(PolicyExplanation explanation, PrintStream out) {
        out.println("checks:");
        int number = 1;
        for (PolicyExplanation.Step step : explanation.steps()) {
            out.printf("  %d. %s: %s%n", number++, step.check(), step.passed() ? "pass" : "FAIL");
            out.println("       seen:     " + step.seen());
            out.println("       requires: " + step.expected());
            if (!step.passed()) {
                out.println("       denial:   " + step.failure());
                if (step.check().equals("audience") && domain.isEmpty()) {
                    out.println("       hint:     a policy that names no audience requires the STS domain: give it with --domain");
                }
            }
        }
        CheckResult result = explanation.result();
        out.println("verdict: " + switch (result.verdict()) {
            case ALLOW -> "allow";
            case DENIED -> "deny (PermissionDenied): " + result.message();
            case INVALID_TOKEN -> "deny (InvalidArgument): " + result.message();
        });
        out.println(result.allowed() ? "permissions granted:" : "permissions (granted only when allowed):");
        if (explanation.permissions().isEmpty()) {
            out.println("  (none)");
        }
        explanation.permissions().forEach((name, level) -> out.println("  " + name + ": " + level));
        out.println("repositories: " + repositories(explanation));
    }

    private String repositories(PolicyExplanation explanation) {
        if (!org) {
            return "the repository of the scope only";
        }
        if (explanation.repositories() == null) {
            return "all the installation can access (scope \"org\"), or the org policy repository (scope \"org/.github\")";
        }
        return explanation.repositories().isEmpty() ? "(empty list)" : explanation.repositories().stream()
                .map(GoText::quote).collect(Collectors.joining(", "));
    }
}
