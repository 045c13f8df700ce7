package dev.octosts.bench;

import dev.octosts.policy.CheckResult;
import dev.octosts.policy.CompiledTrustPolicy;
import dev.octosts.policy.PolicyException;
import dev.octosts.policy.PolicyParser;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled GitHub Actions trust policy (issuer, subject_pattern, claim_pattern) checked against a token
 * it allows — the cached policy's per-exchange cost; parsing and compiling happen once per policy read.
 */
@State(Scope.Benchmark)
public class PolicyCheckBenchmark {
    private static final String ISSUER = "https://token.actions.githubusercontent.com";

    private CompiledTrustPolicy policy;
    private Map<String, Object> claims;
    private String domain;

    @Setup(Level.Trial)
    public void compile() throws PolicyException {
        String repository = ActionsToken.ORG + "/" + ActionsToken.REPO;
        policy = CompiledTrustPolicy.compile(PolicyParser.parseTrustPolicy("""
                issuer: %s
                subject_pattern: 'repo:%s:ref:refs/heads/(main|release/.*)'
                claim_pattern:
                  workflow_ref: '%s/\\.github/workflows/.*'
                  event_name: 'push|workflow_dispatch'
                permissions:
                  contents: read
                  issues: write
                """.formatted(ISSUER, repository, repository), false));
        claims = new HashMap<>(ActionsToken.claims());
        claims.put("iss", ISSUER);
        claims.put("aud", List.of(ActionsToken.DOMAIN));
        domain = ActionsToken.DOMAIN;
        if (!policy.check(claims, domain).allowed()) {
            throw new IllegalStateException("the benchmark policy does not allow the benchmark token");
        }
    }

    @Benchmark
    public CheckResult check() {
        return policy.check(claims, domain);
    }
}
