package dev.octosts.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed (not yet compiled) trust policy, {@code .github/chainguard/<identity>.sts.yaml}. Unset strings are
 * {@code ""} (Go's zero value).
 *
 * @param claimPattern claim name to pattern, in file order; empty when absent
 * @param permissions  permission name to level ({@code read}, {@code write}, …), in file order; empty when
 *                     absent; levels are not validated (GitHub does that when minting)
 * @param repositories org policies only: null when the key is absent (always null for repo policies), empty
 *                     when present and empty
 */
public record TrustPolicy(String issuer, String issuerPattern, String subject, String subjectPattern,
                          String audience, String audiencePattern,
                          Map<String, String> claimPattern,
                          Map<String, String> permissions,
                          List<String> repositories) {

    public TrustPolicy {
        issuer = orEmpty(issuer);
        issuerPattern = orEmpty(issuerPattern);
        subject = orEmpty(subject);
        subjectPattern = orEmpty(subjectPattern);
        audience = orEmpty(audience);
        audiencePattern = orEmpty(audiencePattern);
        claimPattern = orderedCopy(claimPattern);
        permissions = orderedCopy(permissions);
        repositories = repositories == null ? null : List.copyOf(repositories);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static Map<String, String> orderedCopy(Map<String, String> map) {
        if (map == null || map.isEmpty()) {
            return Map.of();
        }
        Map<String, String> copy = new LinkedHashMap<>();
        map.forEach((key, value) -> copy.put(requireNonNull(key), requireNonNull(value)));
        return Collections.unmodifiableMap(copy);
    }

    private static String requireNonNull(String s) {
        if (s == null) {
            throw new NullPointerException("trust policy maps hold no null keys or values");
        }
        return s;
    }
}
