package dev.octosts.policy;

import dev.octosts.digest.Sha256;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.util.regex.Pattern;

/**
 * Trust policy files turned into compiled policies, cached by content so that a policy is parsed and
 * its patterns compiled once, not on every exchange. Failures are cached too: a broken policy stays
 * broken until its text changes. The exchange and the policy-validation webhook share one instance, so
 * the webhook judges a file exactly as the exchange does and one budget bounds both.
 *
 * <p>The cache is bounded by the heap its entries hold ({@link #MAX_WEIGHT}), not by their number: a
 * policy's compiled patterns may reach some 40,000 RE2 instructions, about 2.6 MB, and anyone who can
 * write a repository's policy file can make as many distinct policies as they like.
 */
public final class TrustPolicies {
    /**
     * 32 MiB: about 12 policies at the instruction limit, or thousands of typical ones (a few KiB each, tens
     * of KiB with patterns).
     */
    static final long MAX_WEIGHT = 32L << 20;
    /** Object headers, references, the map node and the key ({@code repo:} and 64 hex digits), in bytes. */
    private static final int ENTRY_OVERHEAD = 512;
    /** Identities name a file in .github/chainguard: no path separators, no traversal, no control characters. */
    private static final Pattern PLAIN_IDENTITY = Pattern.compile("[A-Za-z0-9_.-]{1,200}");

    /** A policy file's outcome: the compiled policy, or why it cannot be used. */
    public record Compiled(String sha256, TrustPolicy parsed, CompiledTrustPolicy policy, PolicyException error,
                    boolean parseFailed) {
    }

    /** A cached outcome with its weight, estimated once when it is stored. */
    private record Entry(Compiled compiled, int weight) {
    }

    private final Cache<String, Entry> byContent = Caffeine.newBuilder()
            .maximumWeight(MAX_WEIGHT)
            .weigher((String key, Entry entry) -> entry.weight())
            .executor(Runnable::run)
            .build();

    public static boolean isPlainIdentity(String identity) {
        return PLAIN_IDENTITY.matcher(identity).matches() && !identity.startsWith(".");
    }

    /** @param orgPolicy the file lives in the org policy repository, so it may list {@code repositories} */
    public Compiled compile(String yaml, boolean orgPolicy) {
        String sha256 = Sha256.hex(yaml);
        String key = (orgPolicy ? "org:" : "repo:") + sha256;
        Entry cached = byContent.getIfPresent(key);
        if (cached != null) {
            return cached.compiled();
        }
        Compiled compiled = compileUncached(yaml, orgPolicy, sha256);
        byContent.put(key, new Entry(compiled, weight(yaml, compiled)));
        return compiled;
    }

    /** The outcome of a file larger than a policy may be, known by its digest: refused as the parser refuses it. */
    public static Compiled tooLarge(String sha256) {
        return new Compiled(sha256, null, null, PolicyParser.documentTooLarge(), true);
    }

    /**
     * Heap bytes an outcome holds: the compiled patterns, the parsed policy (whose strings are no longer
     * than the file, counted at 2 bytes a char), or the error message.
     */
    private static int weight(String yaml, Compiled compiled) {
        long bytes = ENTRY_OVERHEAD;
        if (compiled.parsed() != null) {
            bytes += 2L * yaml.length();
        }
        if (compiled.policy() != null) {
            bytes += compiled.policy().estimatedHeapBytes();
        }
        if (compiled.error() != null) {
            bytes += 2L * compiled.error().getMessage().length();
        }
        return (int) Math.min(bytes, Integer.MAX_VALUE);
    }

    /** Bytes the cache holds, after pending evictions, for tests. */
    long estimatedWeight() {
        byContent.cleanUp();
        return byContent.policy().eviction().orElseThrow().weightedSize().orElseThrow();
    }

    private static Compiled compileUncached(String yaml, boolean orgPolicy, String sha256) {
        TrustPolicy parsed;
        try {
            parsed = PolicyParser.parseTrustPolicy(yaml, orgPolicy);
        } catch (PolicyException e) {
            return new Compiled(sha256, null, null, e, true);
        }
        try {
            return new Compiled(sha256, parsed, CompiledTrustPolicy.compile(parsed, orgPolicy), null, false);
        } catch (PolicyException e) {
            return new Compiled(sha256, parsed, null, e, false);
        }
    }

}
