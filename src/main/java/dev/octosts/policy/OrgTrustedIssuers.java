package dev.octosts.policy;

import dev.octosts.gocompat.GoText;

import dev.octosts.oidc.OidcFields;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An organization's trusted-issuer allowlist, {@code <org policy repo>/.github/chainguard/trusted-token-issuers.yaml}
 * (README rules 27–33): the issuers allowed to federate into any repository of the org.
 *
 * @param issuers        exact issuers, compared byte for byte
 * @param issuerPatterns the patterns as written
 * @param patterns       the same patterns compiled as {@code ^(?:p)$}; build instances with {@link #parse}
 */
public record OrgTrustedIssuers(Mode mode, List<String> issuers, List<String> issuerPatterns, List<GoRegex> patterns) {
    static final int MAX_ISSUERS = 64;
    static final int MAX_ISSUER_PATTERNS = 16;
    static final int MAX_PATTERN_BYTES = 256;

    private static final String PARSE_PREFIX = "parsing organization trusted issuers: ";
    /** Octo STS's wording for a pattern refused by the span check, with the index and what can match {@code /}. */
    private static final String SPAN_ERROR = "issuer_patterns[%d]: %s, so the pattern can span past the host into"
            + " an attacker-controlled domain, as \"https://.*\\.example\\.com\" also permits"
            + " \"https://totally-evil.com/x.example.com\" — escape literal dots as \"\\.\" and bound each varying"
            + " part, e.g. https://[a-z0-9-]+\\.example\\.com. Keep \"/\" at a fixed position, writing a path one"
            + " segment at a time, and give alternatives their own issuer_patterns entries. This is a best-effort"
            + " check, not a guarantee: write patterns as narrowly as you can";
    private static final List<String> FIELDS = List.of("mode", "issuers", "issuer_patterns");

    public enum Mode {
        /** Issuers not on the list are refused (the default). */
        ENFORCE,
        /** Issuers not on the list pass, and the miss is recorded. */
        AUDIT;

        /** The spelling in the file and in records: {@code enforce} or {@code audit}. */
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public OrgTrustedIssuers {
        Objects.requireNonNull(mode, "mode");
        issuers = List.copyOf(issuers);
        issuerPatterns = List.copyOf(issuerPatterns);
        patterns = List.copyOf(patterns);
        if (!patterns.stream().map(GoRegex::pattern).toList().equals(issuerPatterns)) {
            throw new IllegalArgumentException("patterns must be issuerPatterns compiled, in the same order");
        }
    }

    /**
     * An upper estimate of the heap this allowlist holds, in bytes: its compiled patterns (up to
     * {@value #MAX_ISSUER_PATTERNS} of {@link GoRegex#MAX_PROGRAM_SIZE} instructions each) and its strings.
     */
    public long estimatedHeapBytes() {
        long bytes = 256;
        for (String issuer : issuers) {
            bytes += 64 + 2L * issuer.length();
        }
        for (GoRegex pattern : patterns) {
            bytes += 64 + pattern.estimatedHeapBytes();
        }
        return bytes;
    }

    /** Parses and validates the allowlist file; every problem is an error, never a silent allow-all or deny-all. */
    public static OrgTrustedIssuers parse(String yaml) throws PolicyException {
        String mode = "";
        List<String> issuers = null;
        List<String> issuerPatterns = null;
        try {
            Map<String, Object> document = GoJson.object(YamlTree.parse(yaml), "octosts.OrgTrustedIssuers");
            for (Map.Entry<String, Object> entry : GoJson.inGoOrder(document)) {
                try {
                    String field = GoJson.field(entry.getKey(), FIELDS);
                    String path = "OrgTrustedIssuers." + field;
                    switch (field) {
                        case "mode" -> {
                            String value = GoJson.string(entry.getValue(), path, "octosts.Mode");
                            mode = value == null ? mode : value;
                        }
                        case "issuers" -> issuers = GoJson.stringList(entry.getValue(), path);
                        default -> issuerPatterns = GoJson.stringList(entry.getValue(), path);
                    }
                } catch (PolicyException e) {
                    throw e.atField(entry.getKey());
                }
            }
        } catch (PolicyException e) {
            throw e.withPrefix(PARSE_PREFIX);
        }
        return compile(mode, issuers == null ? List.of() : issuers, issuerPatterns == null ? List.of() : issuerPatterns);
    }

    private static OrgTrustedIssuers compile(String mode, List<String> issuers, List<String> issuerPatterns)
            throws PolicyException {
        Mode parsedMode = switch (mode) {
            case "", "enforce" -> Mode.ENFORCE;
            case "audit" -> Mode.AUDIT;
            default -> throw new PolicyException("unknown_mode",
                    "unknown mode " + GoText.quote(mode) + " (want \"enforce\" or \"audit\")").atField("mode");
        };
        if (issuers.isEmpty() && issuerPatterns.isEmpty()) {
            throw new PolicyException("empty_allowlist", "must list at least one entry in issuers or issuer_patterns");
        }
        if (issuers.size() > MAX_ISSUERS) {
            throw new PolicyException("too_many_issuers",
                    "too many issuers: " + issuers.size() + " (max " + MAX_ISSUERS + ")").atField("issuers");
        }
        if (issuerPatterns.size() > MAX_ISSUER_PATTERNS) {
            throw new PolicyException("too_many_issuer_patterns",
                    "too many issuer_patterns: " + issuerPatterns.size() + " (max " + MAX_ISSUER_PATTERNS + ")")
                    .atField("issuer_patterns");
        }
        for (int i = 0; i < issuers.size(); i++) {
            String issuer = issuers.get(i);
            if (!OidcFields.isValidIssuer(issuer)) {
                throw new PolicyException("invalid_issuer", "invalid issuer " + GoText.quote(issuer))
                        .atField("issuers", String.valueOf(i));
            }
            if (!schemeAndHost(issuer).equals(schemeAndHost(issuer).toLowerCase(Locale.ROOT))) {
                throw new PolicyException("uppercase_scheme_or_host",
                        "issuer " + GoText.quote(issuer) + " must be lowercase in scheme and host")
                        .atField("issuers", String.valueOf(i));
            }
        }
        List<GoRegex> patterns = new ArrayList<>(issuerPatterns.size());
        for (int i = 0; i < issuerPatterns.size(); i++) {
            String pattern = issuerPatterns.get(i);
            int bytes = pattern.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_PATTERN_BYTES) {
                throw new PolicyException("pattern_too_long", "issuer_patterns[" + i + "] too long: " + bytes
                        + " chars (max " + MAX_PATTERN_BYTES + ")").atField("issuer_patterns", String.valueOf(i));
            }
            Optional<SpanCheck.Span> span = SpanCheck.spanningElement(pattern);
            if (span.isPresent()) {
                throw new PolicyException(span.get().reason(), SPAN_ERROR.formatted(i, span.get().description()))
                        .atField("issuer_patterns", String.valueOf(i));
            }
            try {
                patterns.add(GoRegex.compileFullMatch(pattern));
            } catch (RegexSyntaxException e) {
                throw new PolicyException("invalid_regex",
                        "invalid issuer_pattern " + GoText.quote(pattern) + ": " + e.getMessage())
                        .atField("issuer_patterns", String.valueOf(i));
            }
        }
        return new OrgTrustedIssuers(parsedMode, issuers, issuerPatterns, patterns);
    }

    /**
     * The scheme and host as written: matching is byte-exact and a real {@code iss} is lowercase there, so an
     * uppercase entry would never match. Paths are legitimately mixed-case and excluded.
     */
    private static String schemeAndHost(String issuer) {
        int scheme = issuer.indexOf("://");
        if (scheme < 0) {
            return issuer;
        }
        int path = issuer.indexOf('/', scheme + 3);
        return path < 0 ? issuer : issuer.substring(0, path);
    }

    /** Whether the issuer is listed exactly (case-sensitive, a trailing slash counts) or fully matches a pattern. */
    public boolean allows(String issuer) {
        return issuers.contains(issuer) || patterns.stream().anyMatch(pattern -> pattern.matches(issuer));
    }

    /** The allowlist's verdict on a token issuer (README rule 34). */
    public IssuerAllowlistDecision decide(String issuer) {
        if (allows(issuer)) {
            return IssuerAllowlistDecision.pass();
        }
        return mode == Mode.AUDIT ? IssuerAllowlistDecision.auditedMiss(issuer) : IssuerAllowlistDecision.denied(issuer);
    }
}
