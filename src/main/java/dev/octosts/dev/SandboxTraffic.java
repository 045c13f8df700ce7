package dev.octosts.dev;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The sandbox's example traffic at start: a few exchanges that are issued and a few that are refused
 * for the usual reasons, so the ledger (and the audit console's pages) show something from the first
 * minute. Each goes through the service's public HTTP endpoint like any caller's.
 */
public final class SandboxTraffic {
    /** How many exchanges were answered 200 and how many were refused. */
    public record Counts(int issued, int refused) {
    }

    /** One example: the token's subject and audience (null subject: no token at all) and the identity asked for. */
    private record Example(String subject, String audience, String identity) {
    }

    private SandboxTraffic() {
    }

    /**
     * Sends the examples to {@code service} for {@code org/repo}, whose {@code ci} policy trusts the main
     * branch's tokens for {@code domain}.
     */
    public static Counts send(URI service, LocalOidcIssuer issuer, String org, String repo, String domain) {
        String main = "repo:" + org + "/" + repo + ":ref:refs/heads/main";
        List<Example> examples = List.of(
                new Example(main, domain, "ci"),
                new Example(main, domain, "ci"),
                new Example(main, domain, "ci"),
                new Example("repo:" + org + "/" + repo + ":ref:refs/heads/feature", domain, "ci"),
                new Example("repo:" + org + "/" + repo + ":pull_request", domain, "ci"),
                new Example(main, domain, "deploy"),
                new Example(main, "someone-else.example", "ci"),
                new Example(null, null, "ci"));
        WebClient http = WebClient.builder().baseUri(service).connectTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ofSeconds(30)).build();
        int issued = 0;
        int refused = 0;
        for (Example example : examples) {
            HttpClientRequest request = http.get("/sts/exchange").queryParam("scope", org + "/" + repo)
                    .queryParam("identity", example.identity());
            if (example.subject() != null) {
                request.header(HeaderNames.AUTHORIZATION, "Bearer " + issuer.token().subject(example.subject())
                        .audience(example.audience()).mint());
            }
            try (HttpClientResponse response = request.request()) {
                if (response.status().code() == 200) {
                    issued++;
                } else {
                    refused++;
                }
            }
        }
        return new Counts(issued, refused);
    }
}
