package dev.octosts.github;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The one home for "which App of the owner's pool, and which of its installations, serves this owner"
 * (the pool itself comes from {@link AppRouter}): the Apps in round-robin turn, the sticky App of a check
 * writer, every installation of the pool, and whether an installation id is one of the pool's.
 *
 * <p>Each instance keeps its own round-robin turn: the exchange's installation pick and the policy-file
 * reads turn separately, so with two Apps neither always lands on the same App.
 */
public final class InstallationRouter {
    /** An App of the owner's pool and its installation on the owner. */
    public record Installation(GitHubApp app, long id) {
    }

    /** What is known of an installation on the owner: found, none, or GitHub could not say. */
    public sealed interface Lookup {
        record Found(Installation installation) implements Lookup {
        }

        record NotInstalled() implements Lookup {
        }

        record Failed(GitHubError error) implements Lookup {
        }
    }

    /** Every installation of the pool on the owner (possibly none), or the App whose lookup failed. */
    public sealed interface Enumeration {
        record Listed(List<Installation> installations) implements Enumeration {
            public Listed {
                installations = List.copyOf(installations);
            }
        }

        /** A partial list could hide the one installation that matters, so one failure fails it all. */
        record Failed(GitHubApp app, GitHubError error) implements Enumeration {
        }
    }

    private final GitHubClient github;
    private final AtomicInteger nextTurn = new AtomicInteger();

    public InstallationRouter(GitHubClient github) {
        this.github = github;
    }

    /**
     * Each App of the pool with its installation on the owner, looked up lazily as the iteration reaches
     * it, starting one App further on every call (which spreads GitHub rate limits over the pool).
     */
    public Iterable<Lookup> inTurn(AppPool pool, String owner) {
        List<GitHubApp> apps = pool.apps();
        int start = Math.floorMod(nextTurn.getAndIncrement(), apps.size());
        return () -> new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < apps.size();
            }

            @Override
            public Lookup next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return lookup(apps.get((start + next++) % apps.size()), owner, false);
            }
        };
    }

    /**
     * The first App in turn that is installed on the owner; NotInstalled when none is, Failed (the last
     * failure) when none is found and some lookup failed. Each failed lookup is also told to
     * {@code failures}, found or not, so that an App GitHub fails for is seen even when another serves.
     */
    public Lookup first(AppPool pool, String owner, Consumer<GitHubError> failures) {
        Lookup outcome = new Lookup.NotInstalled();
        for (Lookup lookup : inTurn(pool, owner)) {
            switch (lookup) {
                case Lookup.Found found -> {
                    return found;
                }
                case Lookup.Failed failed -> {
                    failures.accept(failed.error());
                    outcome = failed;
                }
                case Lookup.NotInstalled notInstalled -> {
                }
            }
        }
        return outcome;
    }

    /**
     * Octo STS routes tokens that may write check runs to one App per route key (scope, identity and
     * subject): only the App that created a check run can update it, so a job's later tokens must come
     * from the same App. The key is hashed with FNV-32a, as Octo STS does; {@code fallback} when the pool
     * has one App or that App is not installed on the owner.
     */
    public Installation sticky(AppPool pool, String owner, String routeKey, Installation fallback) {
        if (pool.apps().size() < 2) {
            return fallback;
        }
        GitHubApp app = pool.apps().get(Integer.remainderUnsigned(fnv32a(routeKey), pool.apps().size()));
        return lookup(app, owner, false) instanceof Lookup.Found(Installation found) ? found : fallback;
    }

    /**
     * Every installation of the pool on the owner, in the pool's order; with {@code bypassCache} GitHub is
     * asked again past the installation cache (for decisions that must not rest on an hour-old view).
     */
    public Enumeration all(AppPool pool, String owner, boolean bypassCache) {
        List<Installation> installations = new ArrayList<>();
        for (GitHubApp app : pool.apps()) {
            switch (lookup(app, owner, bypassCache)) {
                case Lookup.Found(Installation found) -> installations.add(found);
                case Lookup.NotInstalled notInstalled -> {
                }
                case Lookup.Failed(GitHubError error) -> {
                    return new Enumeration.Failed(app, error);
                }
            }
        }
        return new Enumeration.Listed(installations);
    }

    /**
     * The App of the pool whose installation on the owner has this id; NotInstalled when none has, Failed
     * (the last failure) when none has and some lookup failed. A caller that only knows an installation id
     * (a webhook delivery) so never acts through an App outside the owner's pool.
     */
    public Lookup withId(AppPool pool, String owner, long installationId) {
        Lookup outcome = new Lookup.NotInstalled();
        for (GitHubApp app : pool.apps()) {
            Lookup lookup = lookup(app, owner, false);
            if (lookup instanceof Lookup.Found(Installation found) && found.id() == installationId) {
                return lookup;
            }
            if (lookup instanceof Lookup.Failed) {
                outcome = lookup;
            }
        }
        return outcome;
    }

    private Lookup lookup(GitHubApp app, String owner, boolean bypassCache) {
        return switch (github.findInstallation(app, owner, bypassCache)) {
            case InstallationResult.Found(long id) -> new Lookup.Found(new Installation(app, id));
            case InstallationResult.NotInstalled notInstalled -> new Lookup.NotInstalled();
            case InstallationResult.Failed(GitHubError error) -> new Lookup.Failed(error);
        };
    }

    static int fnv32a(String text) {
        int hash = 0x811c9dc5;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x01000193;
        }
        return hash;
    }
}
