package dev.octosts.cli;

import dev.octosts.config.Settings;
import dev.octosts.guard.RateLimits;
import dev.octosts.guard.Tarpit;
import dev.octosts.ledger.RecentCallers;
import dev.octosts.oidc.IssuerAllowlist;
import dev.octosts.oidc.OidcSettings;
import dev.octosts.telemetry.Telemetry;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.time.Clock;

/**
 * The service's budgets for strangers, built from its settings: the rate limits, which know from the start
 * the callers the ledger shows were served lately (so that a restart or a new process does not make every
 * caller a stranger), and the tarpit that holds answers over budget.
 */
record StrangerGuards(RateLimits limits, Tarpit tarpit) {
    private static final System.Logger LOG = System.getLogger(StrangerGuards.class.getName());
    /** Callers read from the ledger at start, at most: the rate limits remember as many. */
    private static final int MAX_RECENT_CALLERS = 100_000;

    static StrangerGuards of(Settings settings, OidcSettings oidc, DataSource database, Clock clock, Telemetry telemetry) {
        Settings.RateLimits rates = settings.rateLimits();
        // Never more held answers than half the connections the listener takes: the rest stay for everyone else.
        Tarpit tarpit = new Tarpit(rates.hold(), Math.max(1, Math.min(rates.maxHeld(), settings.maxConnections() / 2)));
        telemetry.observeHeldAnswers(tarpit::held, tarpit::sentAtOnce);
        IssuerAllowlist allowedIssuers = oidc.allowedIssuers();
        RateLimits limits = new RateLimits(new RateLimits.Settings(rates.perAddress(), rates.perSubject(),
                rates.perUnknownIssuer(), rates.allUnknownIssuers(), rates.limitedRecords(), rates.scopeMissesPerMinute(),
                rates.refusalsPerAddress(), rates.strangersAtOnce()),
                issuer -> oidc.jwksOverrides().containsKey(issuer)
                        || (allowedIssuers.isRestricted() && allowedIssuers.allows(issuer)));
        try {
            RecentCallers.since(database, clock.instant().minus(RateLimits.KNOWN_CALLER_FOR), MAX_RECENT_CALLERS,
                    limits::earned);
        } catch (SQLException e) {
            // Not fatal: the callers become known again as their tokens are allowed.
            LOG.log(System.Logger.Level.WARNING, "recent callers not read from the ledger: " + e.getSQLState());
        }
        return new StrangerGuards(limits, tarpit);
    }
}
