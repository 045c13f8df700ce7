package dev.octosts.guard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Token buckets for strangers: one per client address and one per issuer unknown here, checked before
 * anything in a request is trusted, one shared by every unknown issuer, and, once a token is verified,
 * one per caller (issuer and subject) with a second for the scopes it names that lead nowhere. An issuer becomes known when a token of its was allowed by a trust policy
 * (or the operator named it); until then anyone could be running it, so it gets the smallest budget and
 * all unknown issuers together share one more. The per-key state lives in
 * bounded caches with keys bounded in bytes, so a flood of new addresses or issuers costs a fixed amount
 * of memory (the least recently used buckets are forgotten, which only ever resets a stranger's budget).
 */
public final class RateLimits {
    static final long MAX_ADDRESSES = 100_000;
    static final long MAX_ISSUERS = 20_000;
    static final long MAX_SUBJECTS = 100_000;
    /** How long a caller whose token was allowed stays known: longer than a day's gap between a repository's runs. */
    public static final Duration KNOWN_CALLER_FOR = Duration.ofDays(2);
    static final int MAX_STRANGERS_WAITING = 256;
    static final Duration MAX_STRANGER_WAIT = Duration.ofSeconds(5);

    /**
     * Sustained requests per second, with bursts of twice as many; 0 turns the limit off.
     *
     * @param perAddress        each client address
     * @param perSubject        each verified caller (issuer and subject)
     * @param perUnknownIssuer  each issuer that has not earned a token here
     * @param allUnknownIssuers all issuers that have not, together
     * @param limitedRecords    ledger records of requests refused by these limits, all callers together
     * @param scopeMissesPerMinute scopes that lead nowhere (no installation, no policy, no such repository)
     *                          per verified caller and minute, in bursts of as many
     * @param refusalsPerAddress refusals each client address gets answered at once; past them its answers are
     *                          held (see {@link Tarpit})
     * @param strangersAtOnce   requests of callers not known here worked on at once ({@link StrangerGate}); 0: no limit
     */
    public record Settings(long perAddress, long perSubject, long perUnknownIssuer, long allUnknownIssuers,
                           long limitedRecords, long scopeMissesPerMinute, long refusalsPerAddress, int strangersAtOnce) {
        public Settings {
            if (perAddress < 0 || perSubject < 0 || perUnknownIssuer < 0 || allUnknownIssuers < 0
                    || limitedRecords < 0 || scopeMissesPerMinute < 0 || refusalsPerAddress < 0 || strangersAtOnce < 0) {
                throw new IllegalArgumentException("rates must not be negative");
            }
        }

        public static Settings defaults() {
            return new Settings(50, 50, 5, 50, 100, 60, 5, Runtime.getRuntime().availableProcessors());
        }

        public static Settings off() {
            return new Settings(0, 0, 0, 0, 0, 0, 0, 0);
        }
    }

    /** Which budget a refused request ran out of. */
    public enum Limit {
        ADDRESS("client address"), ISSUER("issuer"), UNKNOWN_ISSUERS("unknown issuers"), SUBJECT("caller"),
        SCOPE_MISSES("caller's scopes without a policy"), STRANGERS("new caller while many are waiting");

        private final String label;

        Limit(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final Settings settings;
    private final Predicate<String> knownFromStart;
    private final Buckets addresses;
    private final Buckets unknownIssuerBuckets;
    private final Buckets subjects;
    private final Buckets scopeMisses;
    private final Buckets refusals;
    private final Cache<String, Boolean> knownIssuers;
    private final Cache<String, Boolean> knownCallers;
    private final StrangerGate strangers;
    private final StrangerGate unknownIssuersStrangers;
    private final Bucket unknownIssuers;
    private final Bucket limitedRecords;

    public RateLimits(Settings settings) {
        this(settings, issuer -> false);
    }

    /**
     * @param knownFromStart issuers the operator named (an issuer allowlist, pinned keys): known before
     *                       any of their tokens was allowed, so that a stranger claiming one of them
     *                       cannot spend its budget while it is still unknown after a restart
     */
    public RateLimits(Settings settings, Predicate<String> knownFromStart) {
        this.settings = settings;
        this.knownFromStart = knownFromStart;
        this.addresses = new Buckets(MAX_ADDRESSES, () -> Buckets.perSecond(settings.perAddress()));
        this.unknownIssuerBuckets = new Buckets(MAX_ISSUERS, () -> Buckets.perSecond(settings.perUnknownIssuer()));
        this.subjects = new Buckets(MAX_SUBJECTS, () -> Buckets.perSecond(settings.perSubject()));
        this.scopeMisses = new Buckets(MAX_SUBJECTS, () -> Buckets.perMinute(settings.scopeMissesPerMinute()));
        this.refusals = new Buckets(MAX_ADDRESSES, () -> Buckets.perSecond(settings.refusalsPerAddress()));
        this.knownIssuers = Caffeine.newBuilder().maximumSize(MAX_ISSUERS).build();
        this.knownCallers = Caffeine.newBuilder().maximumSize(MAX_SUBJECTS).expireAfterWrite(KNOWN_CALLER_FOR).build();
        this.strangers = new StrangerGate(settings.strangersAtOnce(), MAX_STRANGERS_WAITING, MAX_STRANGER_WAIT);
        this.unknownIssuersStrangers = new StrangerGate(settings.strangersAtOnce(), MAX_STRANGERS_WAITING, MAX_STRANGER_WAIT);
        this.unknownIssuers = settings.allUnknownIssuers() == 0 ? null : Buckets.perSecond(settings.allUnknownIssuers());
        this.limitedRecords = settings.limitedRecords() == 0 ? null : Buckets.perSecond(settings.limitedRecords());
    }

    /**
     * Takes one request from the budgets that apply before its token is verified: its address, and when
     * the issuer it claims is unknown, that issuer's and all unknown issuers' budgets (what a stranger's
     * issuer costs is fetches and GitHub calls). The limit it ran out of, or null when it may go on.
     * A known issuer has no budget here: anyone can claim it in an unverified token, so its callers are
     * budgeted one by one once verified (see {@link #admitVerified}).
     *
     * @param claimedIssuer the {@code iss} of the caller's token as sent (unverified), null when it has
     *                      none; read only when the address is within its budget, since a flood is refused
     *                      cheapest before its token is even parsed
     */
    public Limit admit(String address, Supplier<String> claimedIssuer) {
        if (settings.perAddress() > 0 && !addresses.tryConsume(Buckets.clientKey(address))) {
            return Limit.ADDRESS;
        }
        String issuer = claimedIssuer.get();
        if (issuer == null || isKnownIssuer(issuer)) {
            return null;
        }
        if (settings.perUnknownIssuer() > 0 && !unknownIssuerBuckets.tryConsume(issuer)) {
            return Limit.ISSUER;
        }
        if (unknownIssuers != null && !unknownIssuers.tryConsume(1)) {
            return Limit.UNKNOWN_ISSUERS;
        }
        return null;
    }

    /**
     * Takes a request (as many as the repositories it names) from a verified caller's budget: its rate, and
     * whether it still has scopes that lead nowhere to spend. A budget per caller, not per issuer: an issuer such as GitHub Actions is shared
     * by everyone who runs a workflow, so any of them could otherwise spend it for all the others.
     */
    public Limit admitVerified(String issuer, String subject, int repositories) {
        String caller = issuer + " " + subject;
        // A request of several repositories costs as many requests (a policy read and check each), at most a
        // full burst, so that it waits for one rather than never passing.
        long cost = Math.min(Math.max(1, repositories), Buckets.burst(settings.perSubject()));
        if (settings.perSubject() > 0 && !subjects.tryConsume(caller, cost)) {
            return Limit.SUBJECT;
        }
        if (settings.scopeMissesPerMinute() > 0) {
            Bucket misses = scopeMisses.existing(caller);
            if (misses != null && misses.getAvailableTokens() <= 0) {
                return Limit.SCOPE_MISSES;
            }
        }
        return null;
    }

    /** The caller's scope led nowhere (and may have cost GitHub calls): one from its budget of such scopes. */
    public void missed(String issuer, String subject) {
        if (settings.scopeMissesPerMinute() > 0) {
            scopeMisses.tryConsume(issuer + " " + subject);
        }
    }

    /** Whether the issuer earned a token here, or the operator named it; false for null. */
    public boolean isKnownIssuer(String issuer) {
        return issuer != null && (knownIssuers.getIfPresent(Buckets.boundedKey(issuer)) != null || knownFromStart.test(issuer));
    }

    /**
     * Whether the caller a token claims (unverified: anyone may claim it, so this only decides who waits for a
     * stranger's turn, never what is granted) had a token allowed here lately.
     */
    public boolean isKnownCaller(String issuer, String subject) {
        return issuer != null && subject != null && knownCallers.getIfPresent(callerKey(issuer, subject)) != null;
    }

    /** The gate new callers of known issuers pass, a few at a time. */
    public StrangerGate strangers() {
        return strangers;
    }

    /** The gate tokens of issuers not known here (or none) pass, a few at a time, apart from everyone else's. */
    public StrangerGate unknownIssuersStrangers() {
        return unknownIssuersStrangers;
    }

    private static String callerKey(String issuer, String subject) {
        return Buckets.boundedKey(issuer + " " + subject);
    }

    /**
     * A token of this issuer and subject was allowed by a trust policy: from now on the issuer gets a known
     * issuer's budget, and the caller is known.
     */
    public void earned(String issuer, String subject) {
        knownCallers.put(callerKey(issuer, subject), Boolean.TRUE);
        String key = Buckets.boundedKey(issuer);
        if (knownIssuers.getIfPresent(key) == null) {
            knownIssuers.put(key, Boolean.TRUE);
            // The unknown issuer's small bucket would otherwise keep limiting it until it idled out.
            unknownIssuerBuckets.forget(issuer);
        }
    }

    /**
     * A request from {@code address} was refused (for anything but its rate): whether that address has been
     * refused so often that its answers are now held. A caller that keeps sending what is refused (claims no
     * policy could want, scopes that do not exist) is slowed to its own concurrency; one refused now and then
     * is answered at once.
     */
    public boolean refusedTooOften(String address) {
        return settings.refusalsPerAddress() > 0 && !refusals.tryConsume(Buckets.clientKey(address));
    }

    /**
     * Whether a request refused by these limits gets its own ledger record. Past this budget it is only
     * counted: an attacker's flood must not fill the ledger's queue that legitimate exchanges wait in.
     */
    public boolean recordRefusal() {
        return limitedRecords == null || limitedRecords.tryConsume(1);
    }
}
