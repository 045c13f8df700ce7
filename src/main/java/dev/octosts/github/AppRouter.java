package dev.octosts.github;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Picks the App pool for an owner: by lower-cased owner, else the {@code *} pool (README rule 20). */
public final class AppRouter {
    public static final String FALLBACK = "*";

    private final Map<String, AppPool> poolsByOrg;

    public AppRouter(Map<String, AppPool> poolsByOrgLowercase) {
        Map<String, AppPool> pools = new HashMap<>();
        poolsByOrgLowercase.forEach((org, pool) -> {
            if (pools.put(org.toLowerCase(Locale.ROOT), pool) != null) {
                throw new IllegalArgumentException("two App pools are configured for org \"" + org + "\"");
            }
        });
        this.poolsByOrg = Map.copyOf(pools);
    }

    public Optional<AppPool> poolFor(String owner) {
        AppPool pool = poolsByOrg.get(owner.toLowerCase(Locale.ROOT));
        return Optional.ofNullable(pool != null ? pool : poolsByOrg.get(FALLBACK));
    }
}
