package dev.octosts.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.policy.CheckResult;
import dev.octosts.gocompat.GoText;
import dev.octosts.policy.PolicyExplainer;
import dev.octosts.policy.PolicyExplanation;
import dev.octosts.policy.PolicyFileCheck;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
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
    private static final int MAX_TOKEN_CHARS = 64 * 1024;
    private static final long MAX_CLAIMS_BYTES = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

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

    @Option(names = "--token", paramLabel = "JWT",
            description = "An OIDC token (JWT), or - to read it from standard input (keeps it out of the process list);"
                    + " its payload is read, its signature NOT verified.")
    String token;

    @Option(names = "--claims", paramLabel = "FILE", description = "The token's claims as a JSON object.")
    Path claimsFile;

    @Option(names = "--domain", paramLabel = "D", defaultValue = "",
            description = "The STS domain: the audience required when the policy names none (default: none).")
    String domain;

    @Option(names = "--org", description = "Read the policy as an org policy (in the org policy repository).")
    boolean org;

    @Override
    int run() {
        if (policyFiles == null || policyFiles.isEmpty()) {
            throw new PolicyCommand.UsageException("--policy FILE is required (see --help)");
        }
        if ((token == null) == (claimsFile == null)) {
            throw new PolicyCommand.UsageException("give exactly one of --token JWT or --claims FILE");
        }
        GrantExplanation grant = GrantExplanation.of(scopes, policyFiles.size(), org, permissions);
        Map<String, Object> claims = token != null ? claimsOfToken(tokenText()) : claimsOfFile(claimsFile);
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
        out.println("claims: " + (token != null ? "from --token (signature not verified)" : "from " + claimsFile));
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

    private String tokenText() {
        if (!token.equals("-")) {
            return token;
        }
        String read = policy.readInput(MAX_TOKEN_CHARS);
        if (read == null) {
            throw new PolicyCommand.UsageException("--token is too long to be a JWT");
        }
        return read;
    }

    /** The payload of a JWS compact JWT, decoded but not verified. Errors never repeat the token. */
    static Map<String, Object> claimsOfToken(String token) {
        String compact = token.strip();
        if (compact.startsWith("Bearer ")) {
            compact = compact.substring("Bearer ".length()).strip();
        }
        if (compact.length() > MAX_TOKEN_CHARS) {
            throw new PolicyCommand.UsageException("--token is too long to be a JWT");
        }
        String[] parts = compact.split("\\.", -1);
        if (parts.length != 3) {
            throw new PolicyCommand.UsageException("--token is not a JWT (want three base64url parts separated by dots)");
        }
        byte[] payload;
        try {
            payload = Base64.getUrlDecoder().decode(stripPadding(parts[1]));
        } catch (IllegalArgumentException e) {
            throw new PolicyCommand.UsageException("--token payload is not base64url");
        }
        return claimsObject(new String(payload, StandardCharsets.UTF_8), "--token payload");
    }

    private static String stripPadding(String part) {
        int end = part.length();
        while (end > 0 && part.charAt(end - 1) == '=') {
            end--;
        }
        return part.substring(0, end);
    }

    private static Map<String, Object> claimsOfFile(Path file) {
        String json = PolicyCommand.readUtf8(file, MAX_CLAIMS_BYTES);
        if (json == null) {
            throw new PolicyCommand.UsageException(file + " is too large for token claims (max " + MAX_CLAIMS_BYTES + " bytes)");
        }
        return claimsObject(json, file.toString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> claimsObject(String json, String what) {
        try {
            Object value = JSON.readValue(json, Object.class);
            if (!(value instanceof Map<?, ?> map)) {
                throw new PolicyCommand.UsageException(what + " is not a JSON object");
            }
            return (Map<String, Object>) map;
        } catch (JsonProcessingException e) {
            // Jackson's message quotes the input; say where, not what.
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw new PolicyCommand.UsageException(what + " is not valid JSON" + where);
        }
    }
}
