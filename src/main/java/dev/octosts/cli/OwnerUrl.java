package dev.octosts.cli;

import java.util.Map;
import java.util.stream.Stream;

/**
 * The JDBC URL of the login that owns the ledger schema, and the variable it came from: {@code
 * DATABASE_MIGRATION_URL}, or else {@code DATABASE_URL}. Whichever is set first is the one meant, so an
 * unusable first one is not passed over for the second.
 */
record OwnerUrl(String variable, String url) {

    /** The owner's URL in {@code env}; null when neither variable holds a PostgreSQL JDBC URL. */
    static OwnerUrl from(Map<String, String> env) {
        for (String variable : new String[] {"DATABASE_MIGRATION_URL", "DATABASE_URL"}) {
            String url = env.get(variable);
            if (url != null && !url.isBlank()) {
                return url.startsWith("jdbc:postgresql:") ? new OwnerUrl(variable, url) : null;
            }
        }
        return null;
    }

    /** Whether neither variable is set at all (as opposed to set to something unusable). */
    static boolean neitherSet(Map<String, String> env) {
        return Stream.of("DATABASE_MIGRATION_URL", "DATABASE_URL").allMatch(variable -> env.getOrDefault(variable, "").isBlank());
    }

    /** Masks the URL, which may hold a password. */
    @Override
    public String toString() {
        return "OwnerUrl[" + variable + "]";
    }
}
