package dev.octosts.github;

import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.GitHubSimulator.SimulatedApp;
import dev.octosts.github.InstallationRouter.Enumeration;
import dev.octosts.github.InstallationRouter.Installation;
import dev.octosts.github.InstallationRouter.Lookup;
import dev.octosts.keys.PemKeys;
import dev.octosts.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which App of a pool, and which installation, serves an owner: against the GitHub simulator over HTTP. */
class InstallationRouterTest {
    private final MutableClock clock = MutableClock.atSystemTime();
    private final GitHubSimulator github = GitHubSimulator.start("", clock);
    private final GitHubClient client = new GitHubClient(github.baseUrl(), Duration.ofSeconds(10), clock);
    private final InstallationRouter router = new InstallationRouter(client);
    private final List<GitHubApp> apps = new ArrayList<>();

    @AfterEach
    void stop() {
        client.close();
        github.close();
    }

    /** A new App of the pool, installed on {@code owner} unless it is null; its installation id, or 0. */
    private long app(String owner) {
        SimulatedApp app = github.createApp();
        apps.add(new GitHubApp(app.appId(), PemKeys.fromPem(app.privateKeyPem(), "App " + apps.size())));
        return owner == null ? 0 : github.install(app.appId(), owner, Map.of("contents", "read"), null);
    }

    private AppPool pool() {
        return new AppPool("acme", apps);
    }

    @Test
    void eachTurnStartsOneAppFurtherAndSkipsAppsNotInstalled() {
        long first = app("acme");
        app(null);
        long third = app("acme");

        assertThat(router.first(pool(), "acme", error -> { })).isEqualTo(new Lookup.Found(new Installation(apps.get(0), first)));
        assertThat(router.first(pool(), "acme", error -> { })).isEqualTo(new Lookup.Found(new Installation(apps.get(2), third)));
        assertThat(router.first(pool(), "acme", error -> { })).isEqualTo(new Lookup.Found(new Installation(apps.get(2), third)));
        assertThat(router.first(pool(), "acme", error -> { })).isEqualTo(new Lookup.Found(new Installation(apps.get(0), first)));
        assertThat(router.first(pool(), "stranger", error -> { })).isEqualTo(new Lookup.NotInstalled());
    }

    @Test
    void everyInstallationOfThePoolIsListedInPoolOrder() {
        long first = app("acme");
        app("other");
        long third = app("acme");

        assertThat(router.all(pool(), "acme", true)).isEqualTo(new Enumeration.Listed(List.of(
                new Installation(apps.get(0), first), new Installation(apps.get(2), third))));
        assertThat(router.all(pool(), "nobody", false)).isEqualTo(new Enumeration.Listed(List.of()));
    }

    @Test
    void anInstallationIdIsServedOnlyByTheAppOfThePoolThatOwnsIt() {
        app("acme");
        long second = app("acme");
        long elsewhere = app("other");

        assertThat(router.withId(pool(), "acme", second)).isEqualTo(new Lookup.Found(new Installation(apps.get(1), second)));
        assertThat(router.withId(pool(), "acme", elsewhere)).isEqualTo(new Lookup.NotInstalled());
    }

    @Test
    void checkWritersStickToTheAppTheirRouteKeyHashesTo() {
        long first = app("acme");
        long second = app("acme");
        Installation fallback = new Installation(apps.get(0), first);

        // FNV-32a test vectors: "" → 0x811c9dc5 (odd: App 1 of 2), "a" → 0xe40c292c (even: App 0).
        assertThat(InstallationRouter.fnv32a("")).isEqualTo(0x811c9dc5);
        assertThat(InstallationRouter.fnv32a("a")).isEqualTo(0xe40c292c);
        assertThat(router.sticky(pool(), "acme", "", fallback)).isEqualTo(new Installation(apps.get(1), second));
        assertThat(router.sticky(pool(), "acme", "a", new Installation(apps.get(1), second))).isEqualTo(fallback);
        assertThat(router.sticky(new AppPool("one", List.of(apps.get(1))), "acme", "", fallback)).isEqualTo(fallback);
    }
}
