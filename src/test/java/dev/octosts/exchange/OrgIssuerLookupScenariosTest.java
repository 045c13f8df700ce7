package dev.octosts.exchange;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.GitHubSimulator.Fault;
import dev.octosts.dev.GitHubSimulator.RecordedCall;
import dev.octosts.exchange.OrgIssuerAllowlists.State;
import dev.octosts.github.AppPool;
import dev.octosts.github.GitHubApp;
import dev.octosts.github.GitHubClient;
import dev.octosts.keys.PemKeys;
import dev.octosts.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The 27 {@code lookup_scenarios} of org_trusted_issuers_cases.json (README rule 35): the org allowlist
 * read through several Apps installed on one org of the GitHub simulator, over real HTTP, with faults
 * for rate limits and outages and a hand-moved clock for cache ages. "Fresh enumerations" are counted
 * as installation listings in the simulator's call log: each test warms the client's installation
 * cache first, so the cached enumeration lists nothing and every listing belongs to an uncached one.
 */
class OrgIssuerLookupScenariosTest {
    private static final String OWNER = "org";
    private static final String POLICY_REPO = ".github";
    private static final String ACTIONS = "https://token.actions.githubusercontent.com";
    private static final String FILE = ".github/chainguard/trusted-token-issuers.yaml";
    /** Octo STS's testdata orgallow and orgbad fixtures. */
    private static final String ORG_ALLOW = "issuers:\n  - " + ACTIONS + "\n";
    private static final String ORG_AUDIT = "mode: audit\nissuers:\n  - " + ACTIONS + "\n";
    private static final String ORG_BAD = "issuer_patterns:\n  - \"[unclosed\"\n";
    private static final String CONTENTS = "/contents/\\.github/chainguard/trusted-token-issuers\\.yaml";
    private static final String LISTING = "^/app/installations$";
    private static final Duration AFTER_FRESH = Duration.ofMinutes(6);

    private final MutableClock clock = MutableClock.atSystemTime();
    private final GitHubSimulator github = GitHubSimulator.start("", clock);
    private final GitHubClient client = new GitHubClient(github.baseUrl(), Duration.ofSeconds(5), clock);
    private final List<GitHubApp> apps = new ArrayList<>();
    private OrgIssuerAllowlists allowlists = new OrgIssuerAllowlists(client, POLICY_REPO, clock, Duration.ofSeconds(10));
    private AppPool pool;
    /** Listings made by the cached enumeration because the test left an App out of the cache on purpose. */
    private int coldListings;

    @AfterEach
    void stop() {
        client.close();
        github.close();
    }

    static Stream<Arguments> scenarios() throws IOException {
        try (InputStream in = OrgIssuerLookupScenariosTest.class.getResourceAsStream(
                "/conformance/octo-sts/org_trusted_issuers_cases.json")) {
            List<Arguments> rows = new ArrayList<>();
            for (JsonNode row : new ObjectMapper().readTree(in).path("lookup_scenarios")) {
                rows.add(Arguments.argumentSet(row.path("name").asText(), row));
            }
            return rows.stream();
        }
    }

    @Test
    void everyScenarioIsHere() throws IOException {
        assertThat(scenarios()).hasSize(27);
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void scenario(JsonNode row) throws Exception {
        String name = row.path("name").asText();
        prepare(name);
        github.clearCalls();

        State state = act(name, row);

        if (row.hasNonNull("expected_state")) {
            assertState(state, row.path("expected_state").asText(), row.path("expected_mode").asText(null));
        }
        if (row.hasNonNull("expected_error_code")) {
            assertThat(state).isInstanceOf(State.Failure.class);
            Refusal refusal = ((State.Failure) state).refusal();
            assertThat(refusal.code().goName()).isEqualTo(row.path("expected_error_code").asText());
            if (row.hasNonNull("expected_message")) {
                assertThat(refusal.message()).isEqualTo(row.path("expected_message").asText());
            }
        }
        if (row.has("decision")) {
            assertThat(state).as("a failed lookup decides nothing about the issuer: no decision to record")
                    .isInstanceOf(State.Failure.class);
        }
        if (row.has("expected_fresh_enumerations")) {
            assertThat(listings()).as("installation listings: one per App of the pool and fresh enumeration")
                    .isEqualTo(row.path("expected_fresh_enumerations").asInt() * pool.apps().size() + coldListings);
        }
        if (row.has("expected_enumerations")) {
            assertThat(mints()).as("one enumeration reads through each installation once")
                    .isEqualTo(row.path("expected_enumerations").asInt() * pool.apps().size());
        }
        if (row.has("expected_mint_request")) {
            assertThat(tokenRequests()).containsExactly(row.get("expected_mint_request"));
            assertThat(github.calls()).filteredOn(c -> c.path().contains("/contents/"))
                    .extracting(RecordedCall::authKind).containsExactly(GitHubSimulator.AuthKind.INSTALLATION_TOKEN);
            assertThat(github.issuedTokens()).isNotEmpty().allSatisfy(t -> assertThat(t.revoked()).isTrue());
        }
        if (row.has("expected_cached")) {
            assertSecondLookup(state, row.path("expected_cached").asBoolean());
        }
        if (row.has("expected_primary_cache_reseeded")) {
            assertSecondLookup(state, row.path("expected_primary_cache_reseeded").asBoolean());
        }
        if (row.path("expected_stale_cached").asBoolean(false)) {
            clock.advance(AFTER_FRESH);
            github.addFault(new Fault(null, ".*", 502, Map.of(), "{\"message\":\"down\"}", -1));
            assertThat(allowlists.lookup(pool, OWNER)).as("served from the stale cache while GitHub is down")
                    .isEqualTo(state);
        }
    }

    static Stream<Arguments> checkRowsBeforeAnyAllowlist() throws IOException {
        try (InputStream in = OrgIssuerLookupScenariosTest.class.getResourceAsStream(
                "/conformance/octo-sts/org_trusted_issuers_cases.json")) {
            List<Arguments> rows = new ArrayList<>();
            for (JsonNode row : new ObjectMapper().readTree(in).path("check_cases")) {
                if (!row.path("allowlist_state").asText().equals("present")) {
                    rows.add(Arguments.argumentSet(row.path("name").asText(), row));
                }
            }
            return rows.stream();
        }
    }

    /**
     * The {@code check_cases} rows whose allowlist is absent, invalid or unknown, through the real lookup:
     * no file, a file that does not compile, a file GitHub fails to serve.
     */
    @ParameterizedTest
    @MethodSource("checkRowsBeforeAnyAllowlist")
    void checkRowBeforeAnyAllowlist(JsonNode row) {
        seeing(0);
        String allowlistState = row.path("allowlist_state").asText();
        switch (allowlistState) {
            case "absent" -> {
            }
            case "invalid" -> allowlist(ORG_BAD);
            case "unknown" -> {
                allowlist(ORG_ALLOW);
                github.addFault(new Fault(null, CONTENTS, 502, Map.of(), "{\"message\":\"down\"}", -1));
            }
            default -> fail("unexpected allowlist_state " + allowlistState);
        }
        usePool(1);

        State state = allowlists.lookup(pool, OWNER);

        switch (allowlistState) {
            case "absent" -> {
                assertThat(row.path("expected_grpc_code").asText()).isEqualTo("OK");
                assertThat(state).isInstanceOf(State.Absent.class);
            }
            case "invalid" -> {
                assertThat(row.path("expected_grpc_code").asText()).isEqualTo("FailedPrecondition");
                Refusal refusal = ((State.Failure) state).refusal();
                assertThat(refusal.code().value()).isEqualTo(9);
                assertThat(refusal.message()).isEqualTo(row.path("expected_message").asText());
            }
            default -> {
                // Octo STS answers Internal for its zero-value cache entry; here a read that fails is never
                // absent either, and answers Unavailable (14) with the row's message, since it may be retried.
                assertThat(state).isInstanceOf(State.Unavailable.class);
                Refusal refusal = ((State.Failure) state).refusal();
                assertThat(refusal.code().value()).isEqualTo(14);
                assertThat(refusal.message()).isEqualTo(row.path("expected_message").asText());
            }
        }
    }

    /** Builds the GitHub world of a scenario, including any earlier lookup that leaves a stale entry. */
    private void prepare(String name) {
        switch (name) {
            case "TestFetchOrgIssuersOnce", "TestFetchOrgIssuersOnceMintsLeastPrivilegeToken" -> {
                seeing(0);
                allowlist(ORG_ALLOW);
            }
            case "TestFetchOrgIssuersOnceAbsent" -> seeing(0);
            case "TestFetchOrgIssuersOnceInvalid", "TestLookupInvalidWithoutStaleReturnsInvalid" -> {
                seeing(0);
                allowlist(ORG_BAD);
            }
            case "TestFetchOrgIssuersOnceDirectory" -> {
                seeing(0);
                github.putFile(OWNER, POLICY_REPO, FILE + "/inside", ORG_ALLOW);
            }
            case "TestLookupSurvivesOneBlindInstallation" -> {
                blind(0);
                seeing(1);
                allowlist(ORG_ALLOW);
            }
            case "TestLookupAllInstallationsBlindIsAbsent", "TestOrgIssuerLookupSingleFlightsColdBurst" -> {
                blind(0);
                blind(1);
            }
            case "TestLookupPartialEnumerationNeverCachesAbsent" -> {
                blind(0);
                usePool(2);
                client.findInstallation(apps.get(0), OWNER);
                github.addFault(new Fault("GET", LISTING, 502, Map.of(), "{\"message\":\"Server Error\"}", -1));
                coldListings = 1;
                return;
            }
            case "TestLookupMintRateLimitRetriesNextInstallation" -> {
                long first = seeing(0);
                seeing(1);
                allowlist(ORG_ALLOW);
                github.addFault(Fault.rateLimited403("^/app/installations/" + first + "/access_tokens$"));
            }
            case "TestLookupServesStaleOnRateLimit" -> {
                seeing(0);
                allowlist(ORG_AUDIT);
                ageAfterLookup(State.Present.class);
                github.addFault(Fault.rateLimited403(CONTENTS));
            }
            case "TestLookupRateLimitedWithoutStaleDenies", "TestCheckOrgTrustedIssuersPropagatesLookupError" -> {
                seeing(0);
                allowlist(ORG_ALLOW);
                github.addFault(Fault.rateLimited403(CONTENTS));
            }
            case "TestLookupInvalidServesLastKnownGood" -> {
                seeing(0);
                allowlist(ORG_ALLOW);
                ageAfterLookup(State.Present.class);
                allowlist(ORG_BAD);
            }
            case "TestLookupInvalidIgnoresStaleAbsent" -> {
                seeing(0);
                ageAfterLookup(State.Absent.class);
                allowlist(ORG_BAD);
            }
            case "TestLookupBlindPlusFailedIsNotAbsent" -> {
                blind(0);
                seeing(1);
                allowlist(ORG_ALLOW);
                github.addFault(new Fault("GET", CONTENTS, 502, Map.of(), "<html>bad gateway</html>", -1));
            }
            case "TestLookupEmptyEnumerationIsNotAbsent" -> {
                app(0);
                github.createRepository(OWNER, POLICY_REPO);
            }
            case "TestLookupAllBlindWithStaleFallsOpen" -> {
                long only = seeing(0);
                allowlist(ORG_ALLOW);
                ageAfterLookup(State.Present.class);
                github.addFault(noAccess(only));
            }
            case "TestLookupAbsentFileIsCachedAbsent" -> seeing(0);
            case "TestLookupConfirmsBeforeGrantingAllowAll" -> {
                blind(0);
                installedAfterCaching(() -> seeing(1));
                allowlist(ORG_ALLOW);
                return;
            }
            case "TestLookupFailedConfirmNeverCachesAbsent" -> {
                blind(0);
                usePool(1);
                warm();
                github.addFault(new Fault("GET", LISTING, 502, Map.of(), "{\"message\":\"Server Error\"}", -1));
                return;
            }
            case "TestLookupNewlyFoundInstallationBlindIsAbsent" -> {
                blind(0);
                installedAfterCaching(() -> blind(1));
                return;
            }
            case "TestLookupNewlyFoundInstallationRateLimitedFailsClosed" -> {
                blind(0);
                installedAfterCaching(() -> {
                    long added = seeing(1);
                    github.addFault(Fault.rateLimited403("^/app/installations/" + added + "/access_tokens$"));
                    return added;
                });
                allowlist(ORG_ALLOW);
                return;
            }
            case "TestLookupConfirmSubsetIsAbsent" -> {
                blind(0);
                long second = blind(1);
                usePool(2);
                warm();
                // Uninstalled after the client cached it: GitHub still refuses its token (422) in this
                // scenario, but a fresh listing no longer shows it.
                github.uninstall(second);
                github.addFault(noAccess(second));
                return;
            }
            case "TestStaleEntryIsNotReseededIntoPrimary" -> {
                seeing(0);
                usePool(2);
                ageAfterLookup(State.Absent.class); // App 1's "not installed" expires with the 6 minutes
                github.addFault(new Fault("GET", LISTING, 502, Map.of(), "{\"message\":\"Server Error\"}", -1));
                coldListings = 1;
                return;
            }
            case "TestOrgIssuerLookupWaiterHonorsOwnContext" -> {
                seeing(0);
                allowlist(ORG_ALLOW);
                allowlists = new OrgIssuerAllowlists(client, POLICY_REPO, clock, Duration.ofMillis(50));
            }
            default -> fail("no set-up for scenario " + name);
        }
        if (pool == null) {
            usePool(apps.size());
        }
        warm();
    }

    private State act(String name, JsonNode row) throws Exception {
        return switch (name) {
            case "TestOrgIssuerLookupSingleFlightsColdBurst" -> burst(row.path("concurrent_callers").asInt());
            case "TestOrgIssuerLookupWaiterHonorsOwnContext" -> waiterGivesUp();
            default -> allowlists.lookup(pool, OWNER);
        };
    }

    /** Many callers of a cold cache at once: they share one lookup, and all get its verdict. */
    private State burst(int callers) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<State>> results = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < callers; i++) {
                results.add(threads.submit(() -> {
                    start.await();
                    return allowlists.lookup(pool, OWNER);
                }));
            }
            start.countDown();
            List<State> states = new ArrayList<>();
            for (Future<State> result : results) {
                states.add(result.get());
            }
            assertThat(states).hasSize(callers).allSatisfy(s -> assertThat(s).isInstanceOf(State.Absent.class));
            return states.getFirst();
        }
    }

    /**
     * Octo STS's waiter honours its own context deadline; our exchanges carry none, so a waiter waits a
     * bounded time (50 ms here) for the lookup in flight and then gives up with DeadlineExceeded, while
     * the first caller's lookup (slowed by simulator latency) still completes for it.
     */
    private State waiterGivesUp() throws Exception {
        github.setLatency(Duration.ofMillis(300));
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<State> first = threads.submit(() -> allowlists.lookup(pool, OWNER));
            for (int i = 0; i < 1000 && !allowlists.reading(OWNER); i++) {
                Thread.sleep(5);
            }
            assertThat(allowlists.reading(OWNER)).as("the first lookup is in flight").isTrue();
            State waiter = allowlists.lookup(pool, OWNER);
            assertThat(first.get()).as("the first caller still gets its verdict").isInstanceOf(State.Present.class);
            return waiter;
        } finally {
            github.setLatency(Duration.ZERO);
        }
    }

    private void assertState(State state, String expected, String mode) {
        switch (expected) {
            case "absent" -> assertThat(state).isInstanceOf(State.Absent.class);
            case "invalid" -> {
                assertThat(state).isInstanceOf(State.Invalid.class);
                assertThat(((State.Invalid) state).refusal().code()).isEqualTo(GrpcCode.FAILED_PRECONDITION);
            }
            case "present" -> {
                assertThat(state).isInstanceOf(State.Present.class);
                State.Present present = (State.Present) state;
                assertThat(present.allowlist().allows(ACTIONS)).isTrue();
                assertThat(present.allowlist().mode().value()).isEqualTo(mode == null ? "enforce" : mode);
            }
            default -> fail("unknown expected_state " + expected);
        }
    }

    /** Whether the verdict is cached as fresh: a second lookup at the same time then costs no GitHub call. */
    private void assertSecondLookup(State first, boolean cached) {
        assertThat(allowlists.cachedFresh(OWNER)).as("a fresh verdict is cached").isEqualTo(cached);
        if (cached) {
            github.clearCalls();
            assertThat(allowlists.lookup(pool, OWNER)).isEqualTo(first);
            assertThat(github.calls()).as("answered from the cache").isEmpty();
        }
    }

    // ---- the GitHub world ---------------------------------------------------------------------

    private GitHubApp app(int index) {
        while (apps.size() <= index) {
            GitHubSimulator.SimulatedApp sim = github.createApp();
            apps.add(new GitHubApp(sim.appId(), PemKeys.fromPem(sim.privateKeyPem(), "App " + sim.appId())));
        }
        return apps.get(index);
    }

    /** Installs App {@code index} on every repository of the org, so it can read the org policy repo. */
    private long seeing(int index) {
        github.createRepository(OWNER, POLICY_REPO);
        return github.install(app(index).appId(), OWNER, Map.of("contents", "read"), null);
    }

    /** Installs App {@code index} on the org's {@code repo} only: GitHub refuses it a token for the policy repo (422). */
    private long blind(int index) {
        github.createRepository(OWNER, POLICY_REPO);
        return github.install(app(index).appId(), OWNER, Map.of("contents", "read"), List.of("repo"));
    }

    private void allowlist(String yaml) {
        github.putFile(OWNER, POLICY_REPO, FILE, yaml);
    }

    private void usePool(int size) {
        for (int i = 0; i < size; i++) {
            app(i);
        }
        pool = new AppPool(OWNER, apps.subList(0, size));
    }

    /** Puts every App's installation (or its absence) into the client's installation cache. */
    private void warm() {
        for (GitHubApp app : pool.apps()) {
            client.findInstallation(app, OWNER);
        }
    }

    /** A pool of two whose second App is installed only after the client cached it as not installed. */
    private void installedAfterCaching(java.util.function.LongSupplier install) {
        usePool(2);
        warm();
        install.getAsLong();
    }

    /** A lookup that caches its verdict, then the clock moves past freshness (the entry is stale, under an hour). */
    private void ageAfterLookup(Class<? extends State> expected) {
        if (pool == null) {
            usePool(apps.size());
        }
        assertThat(allowlists.lookup(pool, OWNER)).isInstanceOf(expected);
        clock.advance(AFTER_FRESH);
    }

    /** GitHub's answer to a token request for a repository the installation cannot see, with no rate-limit signal. */
    private static Fault noAccess(long installationId) {
        return new Fault("POST", "^/app/installations/" + installationId + "/access_tokens$", 422, Map.of(),
                "{\"message\":\"There is at least one repository that does not exist or is not accessible to the parent installation.\"}", -1);
    }

    private long listings() {
        return github.calls().stream().filter(c -> c.method().equals("GET") && c.path().equals("/app/installations")).count();
    }

    private long mints() {
        return github.calls().stream().filter(c -> c.method().equals("POST") && c.path().endsWith("/access_tokens")).count();
    }

    private List<JsonNode> tokenRequests() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> bodies = new ArrayList<>();
        for (RecordedCall call : github.calls()) {
            if (call.body() != null) {
                bodies.add(json.readTree(call.body()));
            }
        }
        return bodies;
    }
}
