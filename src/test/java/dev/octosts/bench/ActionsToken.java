package dev.octosts.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** The claims of a typical GitHub Actions OIDC token (a push to main), for the micro-benchmarks. */
final class ActionsToken {
    static final String DOMAIN = "octo-sts.bench";
    static final String ORG = "bench-org";
    static final String REPO = "app";

    private ActionsToken() {
    }

    /** The claims besides {@code iss}, {@code aud}, {@code iat}, {@code nbf} and {@code exp}, as GitHub writes them. */
    static Map<String, Object> claims() {
        String repository = ORG + "/" + REPO;
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("sub", "repo:" + repository + ":ref:refs/heads/main");
        claims.put("jti", "0f8b3c1e-5a4d-4b7e-9c2a-6d1e8f3a2b4c");
        claims.put("ref", "refs/heads/main");
        claims.put("sha", "3f786850e387550fdab836ed7e6dc881de23001b");
        claims.put("repository", repository);
        claims.put("repository_owner", ORG);
        claims.put("repository_owner_id", "1234567");
        claims.put("repository_id", "7654321");
        claims.put("repository_visibility", "private");
        claims.put("run_id", "1000042");
        claims.put("run_number", "42");
        claims.put("run_attempt", "1");
        claims.put("actor", "octocat");
        claims.put("actor_id", "583231");
        claims.put("workflow", "CI");
        claims.put("workflow_ref", repository + "/.github/workflows/ci.yaml@refs/heads/main");
        claims.put("workflow_sha", "3f786850e387550fdab836ed7e6dc881de23001b");
        claims.put("job_workflow_ref", repository + "/.github/workflows/ci.yaml@refs/heads/main");
        claims.put("event_name", "push");
        claims.put("ref_type", "branch");
        claims.put("ref_protected", "true");
        claims.put("head_ref", "");
        claims.put("base_ref", "");
        claims.put("runner_environment", "github-hosted");
        return claims;
    }
}
