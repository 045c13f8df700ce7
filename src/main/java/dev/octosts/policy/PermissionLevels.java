package dev.octosts.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How permission levels compare when several trust policies or a caller's request meet: {@code read} is
 * less than {@code write}, which is less than {@code admin}. Any other level (policies' levels are not
 * validated; GitHub refuses bad ones) only equals itself, so it never silently becomes another.
 */
public final class PermissionLevels {
    private static final List<String> ORDER = List.of("read", "write", "admin");

    private PermissionLevels() {
    }

    /** True for a level this class can order ({@code read}, {@code write}, {@code admin}). */
    public static boolean isKnownLevel(String level) {
        return ORDER.contains(level);
    }

    /**
     * For each permission every grant names, the lowest level they all grant, in the first grant's order;
     * a permission missing from one grant, or whose levels cannot be ordered, is dropped.
     */
    public static Map<String, String> lowestCommon(List<Map<String, String>> grants) {
        if (grants.isEmpty()) {
            return Map.of();
        }
        Map<String, String> common = new LinkedHashMap<>();
        grants.getFirst().forEach((name, level) -> {
            String lowest = level;
            for (Map<String, String> grant : grants) {
                lowest = lower(lowest, grant.get(name));
                if (lowest == null) {
                    return;
                }
            }
            common.put(name, lowest);
        });
        return Collections.unmodifiableMap(common);
    }

    /**
     * The first requested permission that {@code granted} does not cover, as {@code name:level}; null
     * when all are covered (a level covers itself and every lower one).
     */
    public static String firstNotCovered(Map<String, String> requested, Map<String, String> granted) {
        for (Map.Entry<String, String> asked : requested.entrySet()) {
            String level = granted.get(asked.getKey());
            if (level == null || !asked.getValue().equals(lower(asked.getValue(), level))) {
                return asked.getKey() + ":" + asked.getValue();
            }
        }
        return null;
    }

    /** The lower of two levels; null when one is missing or they cannot be ordered. */
    private static String lower(String a, String b) {
        if (a == null || b == null) {
            return null;
        }
        if (a.equals(b)) {
            return a;
        }
        int rankA = ORDER.indexOf(a);
        int rankB = ORDER.indexOf(b);
        return rankA < 0 || rankB < 0 ? null : ORDER.get(Math.min(rankA, rankB));
    }
}
