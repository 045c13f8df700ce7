package dev.octosts.policy;

import dev.octosts.gocompat.GoText;

import dev.octosts.oidc.OidcFields;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A trust policy whose patterns are compiled (README rules 6–9), ready to check tokens (rules 10–14).
 * Immutable and safe to share between threads.
 *
 * <p>Patterns match whole strings as {@code ^(?:p)$} (a deliberate deviation from Octo STS's {@code ^p$},
 * under which {@code main|develop} also matches {@code main-attacker}); messages still quote Octo STS's
 * {@code ^p$} form where Octo STS prints the compiled pattern.
 */
public final class CompiledTrustPolicy {
    /** Largest estimated program size of all of one policy's patterns together, in Go instructions. */
    static final long MAX_POLICY_PROGRAM_SIZE = 4 * GoRegex.MAX_PROGRAM_SIZE;

    private final TrustPolicy policy;
    private final GoRegex issuerPattern;
    private final GoRegex subjectPattern;
    private final GoRegex audiencePattern;
    private final Map<String, GoRegex> claimPatterns;

    private CompiledTrustPolicy(TrustPolicy policy, GoRegex issuerPattern, GoRegex subjectPattern,
                                GoRegex audiencePattern, Map<String, GoRegex> claimPatterns) {
        this.policy = policy;
        this.issuerPattern = issuerPattern;
        this.subjectPattern = subjectPattern;
        this.audiencePattern = audiencePattern;
        this.claimPatterns = claimPatterns;
    }

    public static CompiledTrustPolicy compile(TrustPolicy policy) throws PolicyException {
        Budget budget = new Budget();
        requireOneOf("issuer", policy.issuer(), policy.issuerPattern());
        GoRegex issuerPattern = budget.compile(policy.issuerPattern(), "", "issuer_pattern");
        requireOneOf("subject", policy.subject(), policy.subjectPattern());
        GoRegex subjectPattern = budget.compile(policy.subjectPattern(), "", "subject_pattern");
        if (!policy.audience().isEmpty() && !policy.audiencePattern().isEmpty()) {
            throw new PolicyException("invalid_policy",
                    "trust policy: only one of audience or audience_pattern can be set, got both")
                    .atField("audience_pattern");
        }
        GoRegex audiencePattern = budget.compile(policy.audiencePattern(), "", "audience_pattern");
        Map<String, GoRegex> claimPatterns = new LinkedHashMap<>();
        for (Map.Entry<String, String> claim : policy.claimPattern().entrySet()) {
            String context = "error compiling claim_pattern[" + GoText.quote(claim.getKey()) + "]: ";
            claimPatterns.put(claim.getKey(),
                    budget.compileAlways(claim.getValue(), context, "claim_pattern", claim.getKey()));
        }
        return new CompiledTrustPolicy(policy, issuerPattern, subjectPattern, audiencePattern,
                Collections.unmodifiableMap(claimPatterns));
    }

    /**
     * Compiles a policy as read from a repository ({@code orgPolicy} false) or from the org policy repository.
     * A repository policy may not grant an organization-level permission: whoever can write one repository's
     * policy would otherwise hand out, say, {@code members: write} for the whole organization.
     */
    public static CompiledTrustPolicy compile(TrustPolicy policy, boolean orgPolicy) throws PolicyException {
        CompiledTrustPolicy compiled = compile(policy);
        if (!orgPolicy) {
            for (String permission : policy.permissions().keySet()) {
                if (InstallationPermissions.isOrganizationLevel(permission)) {
                    throw new PolicyException("organization_permission",
                            "trust policy: permission " + GoText.quote(permission) + " is organization-level:"
                                    + " only an org policy (in the org policy repository) may grant it")
                            .atField("permissions", permission);
                }
            }
        }
        return compiled;
    }

    private static void requireOneOf(String field, String exact, String pattern) throws PolicyException {
        if (!exact.isEmpty() && !pattern.isEmpty()) {
            throw new PolicyException("invalid_policy",
                    "trust policy: only one of " + field + " or " + field + "_pattern can be set, got both")
                    .atField(field + "_pattern");
        }
        if (exact.isEmpty() && pattern.isEmpty()) {
            throw new PolicyException("invalid_policy",
                    "trust policy: one of " + field + " or " + field + "_pattern must be set, got neither");
        }
    }

    /** Compiles patterns while keeping the whole policy within {@link #MAX_POLICY_PROGRAM_SIZE}. */
    private static final class Budget {
        private long remaining = MAX_POLICY_PROGRAM_SIZE;

        /** An unset ("") pattern is not compiled. {@code field} locates a failure for policy authors. */
        GoRegex compile(String pattern, String context, String field) throws PolicyException {
            return pattern.isEmpty() ? null : compileAlways(pattern, context, field);
        }

        GoRegex compileAlways(String pattern, String context, String... field) throws PolicyException {
            try {
                GoRegex regex = GoRegex.compileFullMatch(pattern, Math.min(GoRegex.MAX_PROGRAM_SIZE, remaining));
                remaining -= regex.programSize();
                return regex;
            } catch (RegexSyntaxException e) {
                throw new PolicyException("invalid_pattern", context + e.getMessage()).atField(field);
            }
        }
    }

    public TrustPolicy policy() {
        return policy;
    }

    /**
     * An upper estimate of the heap the compiled patterns hold, in bytes (up to about 2.6 MB for a policy at
     * {@link #MAX_POLICY_PROGRAM_SIZE}), so that a cache can be bounded by what it holds, not by a count.
     * The parsed policy's own strings are not included: they are no longer than the file's text.
     */
    public long estimatedHeapBytes() {
        long bytes = 0;
        for (GoRegex pattern : patterns()) {
            bytes += pattern.estimatedHeapBytes();
        }
        return bytes;
    }

    private List<GoRegex> patterns() {
        List<GoRegex> all = new ArrayList<>(claimPatterns.values());
        for (GoRegex pattern : new GoRegex[] {issuerPattern, subjectPattern, audiencePattern}) {
            if (pattern != null) {
                all.add(pattern);
            }
        }
        return all;
    }

    /** The claim names the policy constrains, in file order (for the audit record). */
    public Set<String> claimNamesChecked() {
        return claimPatterns.keySet();
    }

    /**
     * Checks a verified token's payload. {@code claims} holds the whole JWT payload as Jackson-typed values
     * ({@code String}, {@code Boolean}, {@code Number}, {@code List}, {@code Map}, {@code null}); {@code aud}
     * may be a string or a list. {@code domain} is the STS domain, the audience required when the policy
     * names none.
     */
    public CheckResult check(Map<String, Object> claims, String domain) {
        CheckResult invalid = malformedToken(claims);
        if (invalid != null) {
            return invalid;
        }
        for (Supplier<Outcome> check : checks(claims, domain)) {
            Outcome outcome = check.get();
            if (outcome.failure() != null) {
                return outcome.failure();
            }
        }
        return CheckResult.allow();
    }

    /**
     * The same checks as {@link #check}, all of them evaluated and described, for policy authors. The
     * verdict is {@code check}'s: the first failing step.
     */
    public PolicyExplanation explain(Map<String, Object> claims, String domain) {
        CheckResult invalid = malformedToken(claims);
        if (invalid != null) {
            return new PolicyExplanation(List.of(new PolicyExplanation.Step("token", tokenFieldsSeen(claims),
                    "iss, sub and every aud well-formed", invalid.message())), invalid, policy.permissions(),
                    policy.repositories());
        }
        List<PolicyExplanation.Step> steps = new ArrayList<>();
        steps.add(new PolicyExplanation.Step("token", tokenFieldsSeen(claims), "iss, sub and every aud well-formed", ""));
        CheckResult result = null;
        for (Supplier<Outcome> check : checks(claims, domain)) {
            Outcome outcome = check.get();
            steps.add(outcome.step());
            if (result == null && outcome.failure() != null) {
                result = outcome.failure();
            }
        }
        return new PolicyExplanation(steps, result == null ? CheckResult.allow() : result, policy.permissions(),
                policy.repositories());
    }

    /** A check's description and, when it failed, the exchange's result. */
    private record Outcome(PolicyExplanation.Step step, CheckResult failure) {
        static Outcome of(String check, String seen, String expected, CheckResult failure) {
            return new Outcome(new PolicyExplanation.Step(check, seen, expected, failure == null ? "" : failure.message()),
                    failure);
        }
    }

    /** README rule 10: an iss, sub or aud that is not a valid OIDC value is refused before any matching. */
    private static CheckResult malformedToken(Map<String, Object> claims) {
        if (!(claims.get("iss") instanceof String issuer) || !OidcFields.isValidIssuer(issuer)) {
            return CheckResult.invalidToken("invalid_token_issuer", "invalid issuer in token");
        }
        if (!(claims.get("sub") instanceof String subject) || !OidcFields.isValidSubject(subject)) {
            return CheckResult.invalidToken("invalid_token_subject", "invalid subject in token");
        }
        List<String> audiences = audiences(claims.get("aud"));
        if (audiences == null || !audiences.stream().allMatch(OidcFields::isValidAudience)) {
            return CheckResult.invalidToken("invalid_token_audience", "invalid audience in token");
        }
        return null;
    }

    private static String tokenFieldsSeen(Map<String, Object> claims) {
        return "iss " + describe(claims, "iss") + ", sub " + describe(claims, "sub") + ", aud "
                + (audiences(claims.get("aud")) instanceof List<String> list ? GoText.quoteList(list) : describe(claims, "aud"));
    }

    /**
     * The checks of a well-formed token in the exchange's order (README rule 11), each run only when asked:
     * {@link #check} stops at the first failure.
     */
    private List<Supplier<Outcome>> checks(Map<String, Object> claims, String domain) {
        String issuer = (String) claims.get("iss");
        String subject = (String) claims.get("sub");
        List<String> audiences = audiences(claims.get("aud"));
        List<Supplier<Outcome>> checks = new ArrayList<>();
        checks.add(() -> {
            boolean matched = issuerPattern != null ? issuerPattern.matches(issuer) : issuer.equals(policy.issuer());
            return Outcome.of("issuer", GoText.quote(issuer), expectation(policy.issuer(), policy.issuerPattern()),
                    matched ? null : CheckResult.denied("issuer_mismatch", "trust policy: issuer " + GoText.quote(issuer)
                            + " did not match " + (issuerPattern != null ? "pattern " + GoText.quote(policy.issuerPattern())
                            : GoText.quote(policy.issuer()))));
        });
        checks.add(() -> {
            boolean matched = subjectPattern != null ? subjectPattern.matches(subject) : subject.equals(policy.subject());
            return Outcome.of("subject", GoText.quote(subject), expectation(policy.subject(), policy.subjectPattern()),
                    matched ? null : CheckResult.denied("subject_mismatch", "trust policy: subject " + GoText.quote(subject)
                            + " did not match " + (subjectPattern != null ? "pattern " + GoText.quote(policy.subjectPattern())
                            : GoText.quote(policy.subject()))));
        });
        checks.add(() -> checkAudience(audiences, domain == null ? "" : domain));
        for (Map.Entry<String, GoRegex> entry : claimPatterns.entrySet()) {
            checks.add(() -> checkClaim(claims, entry.getKey(), entry.getValue()));
        }
        return checks;
    }

    private static String expectation(String exact, String pattern) {
        return pattern.isEmpty() ? "equals " + GoText.quote(exact) : "matches pattern " + GoText.quote(pattern);
    }

    /** The token audiences, or null when {@code aud} is neither absent, a string, nor a list of strings. */
    private static List<String> audiences(Object aud) {
        if (aud == null) {
            return List.of();
        }
        if (aud instanceof String single) {
            return List.of(single);
        }
        if (!(aud instanceof List<?> list)) {
            return null;
        }
        List<String> out = new ArrayList<>(list.size());
        for (Object entry : list) {
            if (!(entry instanceof String s)) {
                return null;
            }
            out.add(s);
        }
        return out;
    }

    /**
     * Whether a token whose only audience is {@code audience} passes the audience check: the policy's
     * {@code audience} or {@code audience_pattern}, or {@code domain} when it names neither.
     */
    public boolean acceptsAudience(String audience, String domain) {
        return checkAudience(List.of(audience), domain).failure() == null;
    }

    private Outcome checkAudience(List<String> audiences, String domain) {
        String seen = GoText.quoteList(audiences);
        if (audiencePattern != null) {
            String expected = "one matches pattern " + GoText.quote(policy.audiencePattern());
            if (audiences.stream().noneMatch(audiencePattern::matches)) {
                return Outcome.of("audience", seen, expected, CheckResult.denied("audience_mismatch",
                        "trust policy: audience_pattern " + GoText.quote(policy.audiencePattern())
                                + " did not match any of " + seen));
            }
            return Outcome.of("audience", seen, expected, null);
        }
        String required = policy.audience().isEmpty() ? domain : policy.audience();
        String expected = "includes " + GoText.quote(required)
                + (policy.audience().isEmpty() ? " (the STS domain: the policy names no audience)" : "");
        if (!audiences.contains(required)) {
            return Outcome.of("audience", seen, expected, CheckResult.denied("audience_mismatch",
                    "trust policy: audience " + GoText.quote(required) + " did not match any of " + seen));
        }
        return Outcome.of("audience", seen, expected, null);
    }

    /** Claims in file order (Octo STS iterates a Go map, so its order, and which failure it reports, is random). */
    private static Outcome checkClaim(Map<String, Object> claims, String name, GoRegex pattern) {
        String check = "claim " + GoText.quote(name);
        String expected = "matches pattern " + GoText.quote(pattern.pattern());
        if (!claims.containsKey(name)) {
            return Outcome.of(check, "(absent)", expected, CheckResult.denied("claim_missing",
                    "trust policy: expected claim " + GoText.quote(name) + " not found in token"));
        }
        Object raw = claims.get(name);
        String value = raw instanceof Boolean b ? b.toString() : raw instanceof String s ? s : null;
        if (value == null) {
            return Outcome.of(check, describe(claims, name), expected, CheckResult.denied("claim_not_string",
                    "trust policy: expected claim " + GoText.quote(name) + " not a string"));
        }
        if (!pattern.matches(value)) {
            return Outcome.of(check, GoText.quote(value), expected, CheckResult.denied("claim_mismatch",
                    "trust policy: claim " + GoText.quote(name) + " did not match " + GoText.quote("^" + pattern.pattern() + "$")));
        }
        return Outcome.of(check, GoText.quote(value), expected, null);
    }

    /** A claim as shown to policy authors: strings quoted, other JSON values by kind. */
    private static String describe(Map<String, Object> claims, String name) {
        if (!claims.containsKey(name)) {
            return "(absent)";
        }
        Object value = claims.get(name);
        if (value instanceof String s) {
            return GoText.quote(s);
        }
        if (value instanceof Boolean b) {
            return b.toString() + " (boolean)";
        }
        if (value == null) {
            return "null";
        }
        if (value instanceof Number n) {
            return n + " (number)";
        }
        return value instanceof List<?> ? "(an array)" : "(an object)";
    }
}
