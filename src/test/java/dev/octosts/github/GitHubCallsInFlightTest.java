package dev.octosts.github;

import dev.octosts.dev.GitHubSimulator;
import dev.octosts.keys.PemKeys;
import dev.octosts.telemetry.Telemetry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** A slow GitHub fills the client's permits; one call more fails unsent instead of queueing without end. */
class GitHubCallsInFlightTest {
    private final Clock clock = Clock.systemUTC();
    private final GitHubSimulator github = GitHubSimulator.start("", clock);
    private final GitHubClient client = new GitHubClient(github.baseUrl(), Duration.ofSeconds(30), clock,
            Telemetry.off(), 1);

    @AfterEach
    void stop() {
        client.close();
        github.close();
    }

    @Test
    void aCallBeyondThePermitsFailsUnsentAsOverloaded() throws Exception {
        GitHubSimulator.SimulatedApp simulated = github.createApp();
        github.install(simulated.appId(), "org", Map.of("contents", "read"), null);
        GitHubApp app = new GitHubApp(simulated.appId(), PemKeys.fromPem(simulated.privateKeyPem(), "simulated App"));
        github.setLatency(Duration.ofSeconds(5));

        CompletableFuture<InstallationResult> slow = CompletableFuture.supplyAsync(() -> client.findInstallation(app, "org"));
        // Bounded wait until the slow call holds the one permit.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (client.freePermits() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        InstallationResult second = client.findInstallation(app, "other-org");

        assertThat(second).isInstanceOfSatisfying(InstallationResult.Failed.class,
                failed -> assertThat(failed.error().overloaded()).isTrue());
        github.setLatency(Duration.ZERO);
        assertThat(slow.get()).isInstanceOf(InstallationResult.Found.class);
        assertThat(github.calls()).as("the second call was never sent")
                .noneMatch(call -> call.path().contains("other-org"));
    }
}
