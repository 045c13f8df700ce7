package dev.octosts.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.dev.LocalOidcIssuer;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code octo-sts dev token}: a token from the running sandbox's OIDC issuer, with the claims you choose. */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Mint an OIDC token from the running dev sandbox's local issuer and print it.")
final class DevTokenCommand implements Callable<Integer> {

    @ParentCommand
    DevCommand dev;

    @Option(names = "--sub", required = true, description = "Subject, e.g. repo:example-org/example-repo:ref:refs/heads/main")
    String subject;

    @Option(names = "--aud", defaultValue = DevCommand.DOMAIN, description = "Audience (default: ${DEFAULT-VALUE}).")
    String audience;

    @Option(names = "--claim", paramLabel = "NAME=VALUE", description = "An extra string claim; repeatable.")
    List<String> claims = List.of();

    @Option(names = "--lifetime", defaultValue = "3600", paramLabel = "SECONDS",
            description = "Seconds until the token expires (default: ${DEFAULT-VALUE}).")
    long lifetimeSeconds;

    @Override
    public Integer call() throws IOException {
        Path sandboxFile = dev.dataDirectory().resolve(DevCommand.SANDBOX_FILE);
        if (!Files.exists(sandboxFile)) {
            System.err.println("octo-sts: no running sandbox in " + dev.dataDirectory() + " (start it with: octo-sts dev)");
            return 2;
        }
        JsonNode sandbox = new ObjectMapper().readTree(sandboxFile.toFile());
        Map<String, Object> token = new LinkedHashMap<>();
        token.put("sub", subject);
        token.put("aud", audience);
        token.put("exp", Instant.now().plusSeconds(lifetimeSeconds).getEpochSecond());
        for (String claim : claims) {
            int eq = claim.indexOf('=');
            if (eq <= 0) {
                System.err.println("octo-sts: --claim takes NAME=VALUE, got '" + claim + "'");
                return 2;
            }
            token.put(claim.substring(0, eq), claim.substring(eq + 1));
        }
        String issuer = sandbox.path("issuer").asText();
        WebClient http = WebClient.builder().connectTimeout(Duration.ofSeconds(10)).readTimeout(Duration.ofSeconds(10)).build();
        try (HttpClientResponse response = http.post(issuer + LocalOidcIssuer.TOKEN_PATH)
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .submit(new ObjectMapper().writeValueAsString(token))) {
            String body = response.as(String.class);
            if (response.status().code() != 200) {
                System.err.println("octo-sts: the sandbox's issuer refused: " + body);
                return 1;
            }
            System.out.println(body);
            return 0;
        } catch (UncheckedIOException e) {
            System.err.println("octo-sts: the sandbox is not running (" + issuer + " did not answer)");
            return 1;
        }
    }
}
