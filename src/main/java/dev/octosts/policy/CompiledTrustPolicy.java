package dev.octosts.policy;

import dev.octosts.oidc.OidcFields;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
        GoRegex issuerPattern = budget.compile(policy.issuerPattern(), "");
        requireOneOf("subject", policy.subject(), policy.subjectPattern());
        GoRegex subjectPattern = budget.compile(policy.subjectPattern(), "");
        if (!policy.audience().isEmpty() && !policy.audiencePattern().isEmpty()) {
            throw new PolicyException("invalid_policy",
                    "trust policy: only one of audience or audience_pattern can be set, got both");
        }
        GoRegex audiencePattern = budget.compile(policy.audiencePattern(), "");
        Map<String, GoRegex> claimPatterns = new LinkedHashMap<>();
        for (Map.Entry<String, String> claim : policy.claimPattern().entrySet()) {
            String context = "error compiling claim_pattern[" + GoText.quote(claim.getKey()) + "]: ";
            claimPatterns.put(claim.getKey(), budget.compileAlways(claim.getValue(), context));
        }
        return new CompiledTrustPolicy(policy, issuerPattern, subjectPattern, audiencePattern,
                Collections.unmodifiableMap(claimPatterns));
    }

    private static void requireOneOf(String field, String exact, String pattern) throws PolicyException {
        if (!exact.isEmpty() && !pattern.isEmpty()) {
            throw new PolicyException("invalid_policy",
                    "trust policy: only one of " + field + " or " + field + "_pattern can be set, got both");
        }
        if (exact.isEmpty() && pattern.isEmpty()) {
            throw new PolicyException("invalid_policy",
                    "trust policy: one of " + field + " or " + field + "_pattern must be set, got neither");
        }
    }

    /** Compiles patterns while keeping the whole policy within {@link #MAX_POLICY_PROGRAM_SIZE}. */
    private static final class Budget {
        private long remaining = MAX_POLICY_PROGRAM_SIZE;

        /** An unset ("") pattern is not compiled. */
        GoRegex compile(String pattern, String context) throws PolicyException {
            return pattern.isEmpty() ? null : compileAlways(pattern, context);
        }

        GoRegex compileAlways(String pattern, String context) throws PolicyException {
            try {
                GoRegex regex = GoRegex.compileFullMatch(pattern, Math.min(GoRegex.MAX_PROGRAM_SIZE, remaining));
                remaining -= regex.programSize();
                return regex;
            } catch (RegexSyntaxException e) {
                throw new PolicyException("invalid_pattern", context + e.getMessage());
            }
        }
    }

    public TrustPolicy policy() {
        return policy;
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

        if (issuerPattern != null ? !issuerPattern.matches(issuer) : !issuer.equals(policy.issuer())) {
            return CheckResult.denied("issuer_mismatch", "trust policy: issuer " + GoText.quote(issuer)
                    + " did not match " + (issuerPattern != null ? "pattern " + GoText.quote(policy.issuerPattern())
                    : GoText.quote(policy.issuer())));
        }
        if (subjectPattern != null ? !subjectPattern.matches(subject) : !subject.equals(policy.subject())) {
            return CheckResult.denied("subject_mismatch", "trust policy: subject " + GoText.quote(subject)
                    + " did not match " + (subjectPattern != null ? "pattern " + GoText.quote(policy.subjectPattern())
                    : GoText.quote(policy.subject())));
        }
        CheckResult audience = checkAudience(audiences, domain == null ? "" : domain);
        if (audience != null) {
            return audience;
        }
        return checkClaims(claims);
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

    private CheckResult checkAudience(List<String> audiences, String domain) {
        if (audiencePattern != null) {
            if (audiences.stream().noneMatch(audiencePattern::matches)) {
                return CheckResult.denied("audience_mismatch", "trust policy: audience_pattern "
                        + GoText.quote(policy.audiencePattern()) + " did not match any of " + GoText.quoteList(audiences));
            }
            return null;
        }
        String required = policy.audience().isEmpty() ? domain : policy.audience();
        if (!audiences.contains(required)) {
            return CheckResult.denied("audience_mismatch", "trust policy: audience " + GoText.quote(required)
                    + " did not match any of " + GoText.quoteList(audiences));
        }
        return null;
    }

    /** Claims in file order (Octo STS iterates a Go map, so its order, and which failure it reports, is random). */
    private CheckResult checkClaims(Map<String, Object> claims) {
        for (Map.Entry<String, GoRegex> entry : claimPatterns.entrySet()) {
            String name = entry.getKey();
            if (!claims.containsKey(name)) {
                return CheckResult.denied("claim_missing",
                        "trust policy: expected claim " + GoText.quote(name) + " not found in token");
            }
            Object raw = claims.get(name);
            String value = raw instanceof Boolean b ? b.toString() : raw instanceof String s ? s : null;
            if (value == null) {
                return CheckResult.denied("claim_not_string",
                        "trust policy: expected claim " + GoText.quote(name) + " not a string");
            }
            if (!entry.getValue().matches(value)) {
                return CheckResult.denied("claim_mismatch", "trust policy: claim " + GoText.quote(name)
                        + " did not match " + GoText.quote("^" + entry.getValue().pattern() + "$"));
            }
        }
        return CheckResult.allow();
    }
}
