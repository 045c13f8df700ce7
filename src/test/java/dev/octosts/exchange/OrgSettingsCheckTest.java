package dev.octosts.exchange;

import dev.octosts.dev.GitHubSimulator;
import dev.octosts.github.AppPool;
import dev.octosts.github.GitHubApp;
import dev.octosts.github.GitHubClient;
import dev.octosts.keys.PemKeys;
import dev.octosts.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The org settings' refusal that needs two callers at once: one that joins another's read of the same
 * owner's settings gives up after its wait limit with DeadlineExceeded, while the first gets the verdict
 * (the other refusals are tested end to end in OrgOnlyModeTest).
 */
class OrgSettingsCheckTest {
    private static final String OWNER = "org";
    private static final String POLICY_REPO = ".github";

    private final MutableClock clock = MutableClock.atSystemTime();
    private final GitHubSimulator github = GitHubSimulator.start("", clock);
    private final GitHubClient client = new GitHubClient(github.baseUrl(), Duration.ofSeconds(5), clock);

    @AfterEach
    void stop() {
        client.close();
        github.close();
    }

    @Test
    void aCallerJoiningAReadInFlightGivesUpAfterItsWaitLimit() throws Exception {
        GitHubSimulator.SimulatedApp sim = github.createApp();
        AppPool pool = new AppPool(OWNER, List.of(new GitHubApp(sim.appId(), PemKeys.fromPem(sim.privateKeyPem(), "App"))));
        github.createRepository(OWNER, POLICY_REPO);
        github.install(sim.appId(), OWNER, Map.of("contents", "read"), null);
        github.putFile(OWNER, POLICY_REPO, OrgSettingsCheck.PATH, "repository_policies: disabled\n");
        OrgSettingsCheck settings = new OrgSettingsCheck(client, POLICY_REPO, clock, Duration.ofMillis(50));
        Target target = Target.parse("org/repo", POLICY_REPO);

        github.setLatency(Duration.ofMillis(300));
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Outcome<Void>> first = threads.submit(() -> settings.admit(pool, target, record()));
            for (int i = 0; i < 1000 && !settings.reading(OWNER); i++) {
                Thread.sleep(5);
            }
            assertThat(settings.reading(OWNER)).as("the first lookup is in flight").isTrue();

            Outcome<Void> waiter = settings.admit(pool, target, record());

            assertThat(waiter).isEqualTo(Outcome.refused(
                    new Refusal(Reason.ORG_SETTINGS_TIMEOUT, "organization settings lookup timed out")));
            assertThat(first.get()).as("the first caller still gets the verdict")
                    .isEqualTo(Outcome.refused(new Refusal(Reason.REPOSITORY_POLICIES_DISABLED,
                            "organization \"org\" has disabled repository policies: only its org policies apply")));
        } finally {
            github.setLatency(Duration.ZERO);
        }
    }

    private static RecordBuilder record() {
        return new RecordBuilder(new ExchangeRequest("request", List.of(), "org/repo", List.of(), "ci", "127.0.0.1", "test"),
                Instant.now());
    }
}
