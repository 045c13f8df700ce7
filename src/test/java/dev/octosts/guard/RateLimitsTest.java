package dev.octosts.guard;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Budgets per address and issuer; rates are low enough that no bucket refills during a test. */
class RateLimitsTest {
    private static final String KNOWN = "https://token.actions.githubusercontent.com";

    private static int admitted(RateLimits limits, String address, String issuer, int requests) {
        int admitted = 0;
        for (int i = 0; i < requests; i++) {
            if (limits.admit(address, () -> issuer) == null) {
                admitted++;
            }
        }
        return admitted;
    }

    @Test
    void anAddressGetsABurstOfTwiceItsRateAndOtherAddressesAreUnaffected() {
        RateLimits limits = new RateLimits(new RateLimits.Settings(1, 0, 0, 0, 0, 0, 0, 0));

        assertThat(admitted(limits, "192.0.2.1", null, 10)).isEqualTo(2);
        assertThat(limits.admit("192.0.2.1", () -> null)).isEqualTo(RateLimits.Limit.ADDRESS);
        assertThat(admitted(limits, "192.0.2.2", null, 10)).isEqualTo(2);
    }

    @Test
    void aCallerIsKnownOnceATokenOfItsWasAllowedAndOnlyThatCaller() {
        RateLimits limits = new RateLimits(RateLimits.Settings.off());
        assertThat(limits.isKnownCaller(KNOWN, "repo:org/repo:ref:refs/heads/main")).isFalse();

        limits.earned(KNOWN, "repo:org/repo:ref:refs/heads/main");

        assertThat(limits.isKnownCaller(KNOWN, "repo:org/repo:ref:refs/heads/main")).isTrue();
        assertThat(limits.isKnownCaller(KNOWN, "repo:org/other:ref:refs/heads/main")).isFalse();
        assertThat(limits.isKnownCaller("https://attacker.example", "repo:org/repo:ref:refs/heads/main")).isFalse();
        assertThat(limits.isKnownCaller(null, null)).isFalse();
    }

    @Test
    void anAddressRefusedTooOftenIsToldSoAndOthersAreNot() {
        RateLimits limits = new RateLimits(new RateLimits.Settings(0, 0, 0, 0, 0, 0, 1, 0)); // 1/s, bursts of 2

        assertThat(limits.refusedTooOften("192.0.2.1")).isFalse();
        assertThat(limits.refusedTooOften("192.0.2.1")).isFalse();
        assertThat(limits.refusedTooOften("192.0.2.1")).isTrue();
        assertThat(limits.refusedTooOften("192.0.2.2")).isFalse();
    }

    @Test
    void unknownIssuersAreLimitedHardestUntilTheyEarnAToken() {
        RateLimits limits = new RateLimits(new RateLimits.Settings(0, 1_000, 1, 2, 0, 0, 0, 0));

        assertThat(admitted(limits, "192.0.2.1", "https://attacker.example", 10)).isEqualTo(2);
        assertThat(limits.admit("192.0.2.1", () -> "https://attacker.example")).isEqualTo(RateLimits.Limit.ISSUER);
        // Every unknown issuer together shares one more budget (2/s, burst 4): the second issuer spends the rest.
        assertThat(admitted(limits, "192.0.2.1", "https://other.example", 10)).isEqualTo(2);
        assertThat(limits.admit("192.0.2.1", () -> "https://third.example")).isEqualTo(RateLimits.Limit.UNKNOWN_ISSUERS);

        limits.earned(KNOWN, "sub");
        assertThat(admitted(limits, "192.0.2.1", KNOWN, 100)).isEqualTo(100);
    }

    @Test
    void anIssuerThatEarnedATokenLeavesTheUnknownBudgetAtOnce() {
        RateLimits limits = new RateLimits(new RateLimits.Settings(0, 1_000, 1, 1_000, 0, 0, 0, 0));
        assertThat(admitted(limits, "192.0.2.1", KNOWN, 5)).isEqualTo(2);

        limits.earned(KNOWN, "sub");

        assertThat(admitted(limits, "192.0.2.1", KNOWN, 5)).isEqualTo(5);
    }

    /** Several repositories cost as many requests, at most a full burst: the caller's budget, not one request. */
    @Test
    void aRequestOfSeveralRepositoriesCostsAsManyRequests() {
        RateLimits limits = new RateLimits(new RateLimits.Settings(0, 1, 1, 1, 0, 0, 0, 0)); // 1/s, bursts of 2
        String caller = "repo:org/repo:ref:refs/heads/main";

        assertThat(limits.admitVerified(KNOWN, caller, 2)).isNull();
        assertThat(limits.admitVerified(KNOWN, caller, 1)).as("two repositories spent the burst").isEqualTo(RateLimits.Limit.SUBJECT);
        assertThat(limits.admitVerified(KNOWN, "repo:org/other:ref:refs/heads/main", 100))
                .as("a hundred repositories cost a full burst, and pass on one").isNull();
        assertThat(limits.admitVerified(KNOWN, "repo:org/other:ref:refs/heads/main", 1)).isEqualTo(RateLimits.Limit.SUBJECT);
    }

    @Test
    void aSharedIssuerIsBudgetedPerCallerSoNoCallerCanSpendItForTheOthers() {
        RateLimits limits = new RateLimits(new RateLimits.Settings(0, 1, 1, 1, 0, 0, 0, 0));
        limits.earned(KNOWN, "sub");

        assertThat(admitted(limits, "192.0.2.66", KNOWN, 1_000)).as("forged tokens claiming the issuer").isEqualTo(1_000);
        assertThat(limits.admitVerified(KNOWN, "repo:attacker/x:ref:refs/heads/main", 1)).isNull();
        assertThat(limits.admitVerified(KNOWN, "repo:attacker/x:ref:refs/heads/main", 1)).isNull();
        assertThat(limits.admitVerified(KNOWN, "repo:attacker/x:ref:refs/heads/main", 1)).isEqualTo(RateLimits.Limit.SUBJECT);
        assertThat(limits.admitVerified(KNOWN, "repo:org/repo:ref:refs/heads/main", 1)).as("another caller").isNull();
    }

    @Test
    void aCallerWhoseScopesLeadNowhereRunsOutOfThemWhileOthersDoNot() {
        RateLimits limits = new RateLimits(new RateLimits.Settings(0, 0, 0, 0, 0, 3, 0, 0));
        String scanner = "repo:attacker/x:ref:refs/heads/main";
        for (int i = 0; i < 3; i++) {
            assertThat(limits.admitVerified(KNOWN, scanner, 1)).isNull();
            limits.missed(KNOWN, scanner);
        }

        assertThat(limits.admitVerified(KNOWN, scanner, 1)).isEqualTo(RateLimits.Limit.SCOPE_MISSES);
        assertThat(limits.admitVerified(KNOWN, "repo:org/repo:ref:refs/heads/main", 1)).isNull();
    }

    @Test
    void issuersTheOperatorNamedAreKnownFromTheStart() {
        RateLimits limits = new RateLimits(new RateLimits.Settings(0, 1_000, 1, 1, 0, 0, 0, 0), KNOWN::equals);

        assertThat(admitted(limits, "192.0.2.66", KNOWN, 100)).isEqualTo(100);
        assertThat(admitted(limits, "192.0.2.66", "https://attacker.example", 100)).isEqualTo(2);
    }

    @Test
    void keysAreBoundedInBytes() {
        String cjk = "漢".repeat(1_000);
        assertThat(Buckets.boundedKey(cjk)).startsWith("sha256:").hasSize(7 + 64);
        assertThat(Buckets.boundedKey("https://short.example")).isEqualTo("https://short.example");
        // Two long issuers differing in their last character keep different budgets.
        assertThat(Buckets.boundedKey(cjk + "a")).isNotEqualTo(Buckets.boundedKey(cjk + "b"));
    }

    @Test
    void anIpv6HostIsOneAddressWhicheverOfItsSixtyFourBitNetworkItCallsFrom() {
        RateLimits limits = new RateLimits(new RateLimits.Settings(1, 0, 0, 0, 0, 0, 0, 0));

        int admitted = 0;
        for (int host = 1; host <= 10; host++) {
            admitted += limits.admit("2001:db8:1:2::" + Integer.toHexString(host), () -> null) == null ? 1 : 0;
        }

        assertThat(admitted).isEqualTo(2);
        assertThat(limits.admit("2001:db8:1:3::1", () -> null)).as("another /64").isNull();
        assertThat(Buckets.clientKey("192.0.2.7")).isEqualTo("192.0.2.7");
    }

    @Test
    void recordsOfRefusalsHaveABudgetOfTheirOwn() {
        RateLimits limits = new RateLimits(new RateLimits.Settings(0, 0, 0, 0, 2, 0, 0, 0));
        int recorded = 0;
        for (int i = 0; i < 10; i++) {
            recorded += limits.recordRefusal() ? 1 : 0;
        }
        assertThat(recorded).isEqualTo(4);
    }

    @Test
    void zeroTurnsEveryLimitOff() {
        RateLimits limits = new RateLimits(RateLimits.Settings.off());
        assertThat(admitted(limits, "192.0.2.1", "https://attacker.example", 1_000)).isEqualTo(1_000);
        assertThat(limits.recordRefusal()).isTrue();
    }
}
