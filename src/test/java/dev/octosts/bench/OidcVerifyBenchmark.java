package dev.octosts.bench;

import dev.octosts.dev.LocalOidcIssuer;
import dev.octosts.oidc.OidcResult;
import dev.octosts.oidc.OidcSettings;
import dev.octosts.oidc.OidcVerifier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.time.Duration;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One OIDC token verified in process (RS256, a GitHub Actions-shaped payload), the issuer's discovery
 * document and key set already cached, as in a running service: parsing, claim checks and the signature.
 * Run with the other micro-benchmarks: {@code ./mvnw -B -q -Pbench-micro test-compile exec:exec}.
 */
@State(Scope.Benchmark)
public class OidcVerifyBenchmark {
    /** Held so its level sticks: the issuer's web server start and stop lines would split JMH's output. */
    private final Logger helidonLog = Logger.getLogger("io.helidon");
    private LocalOidcIssuer issuer;
    private OidcVerifier verifier;
    private String token;

    @Setup(org.openjdk.jmh.annotations.Level.Trial)
    public void start() {
        helidonLog.setLevel(Level.WARNING);
        issuer = LocalOidcIssuer.start();
        verifier = new OidcVerifier(OidcSettings.defaults().withPrivateNetworkHosts(Set.of("127.0.0.1")));
        token = issuer.token().claims(ActionsToken.claims()).audience(ActionsToken.DOMAIN)
                .lifetime(Duration.ofHours(2)).mint();
        // The first verification fetches discovery and keys over loopback; the measured ones hit the cache.
        if (!(verifier.verify(token) instanceof OidcResult.Verified)) {
            throw new IllegalStateException("the benchmark token did not verify");
        }
    }

    @TearDown(org.openjdk.jmh.annotations.Level.Trial)
    public void stop() {
        verifier.close();
        issuer.close();
    }

    @Benchmark
    public OidcResult verify() {
        return verifier.verify(token);
    }
}
