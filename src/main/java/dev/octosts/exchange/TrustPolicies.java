package dev.octosts.exchange;

import dev.octosts.policy.CompiledTrustPolicy;
import dev.octosts.policy.PolicyException;
import dev.octosts.policy.PolicyParser;
import dev.octosts.policy.TrustPolicy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Trust policy files turned into compiled policies, cached by content so that a policy is parsed and
 * its patterns compiled once, not on every exchange. Failures are cached too: a broken policy stays
 * broken until its text changes. Public so that the policy-validation webhook judges a file exactly as
 * the exchange does.
 */
public final class TrustPolicies {
    private static final int MAX_ENTRIES = 10_000;
    /** Identities name a file in .github/chainguard: no path separators, no traversal, no control characters. */
    private static final Pattern PLAIN_IDENTITY = Pattern.compile("[A-Za-z0-9_.-]{1,200}");

    /** A policy file's outcome: the compiled policy, or why it cannot be used. */
    public record Compiled(String sha256, TrustPolicy parsed, CompiledTrustPolicy policy, PolicyException error,
                    boolean parseFailed) {
        String errorVerb() {
            return parseFailed ? "parse" : "compile";
        }

        String errorReason() {
            return parseFailed ? "policy_parse_error" : "policy_compile_error";
        }
    }

    private final Map<String, Compiled> byContent = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Compiled> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    static boolean isPlainIdentity(String identity) {
        return PLAIN_IDENTITY.matcher(identity).matches() && !identity.startsWith(".");
    }

    /** @param orgPolicy the file lives in the org policy repository, so it may list {@code repositories} */
    public Compiled compile(String yaml, boolean orgPolicy) {
        String sha256 = sha256Hex(yaml);
        String key = (orgPolicy ? "org:" : "repo:") + sha256;
        synchronized (byContent) {
            Compiled cached = byContent.get(key);
            if (cached != null) {
                return cached;
            }
        }
        Compiled compiled = compileUncached(yaml, orgPolicy, sha256);
        synchronized (byContent) {
            byContent.put(key, compiled);
        }
        return compiled;
    }

    private static Compiled compileUncached(String yaml, boolean orgPolicy, String sha256) {
        TrustPolicy parsed;
        try {
            parsed = PolicyParser.parseTrustPolicy(yaml, orgPolicy);
        } catch (PolicyException e) {
            return new Compiled(sha256, null, null, e, true);
        }
        try {
            return new Compiled(sha256, parsed, CompiledTrustPolicy.compile(parsed), null, false);
        } catch (PolicyException e) {
            return new Compiled(sha256, parsed, null, e, false);
        }
    }

    static String sha256Hex(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
