package dev.octosts.oidc;

import static dev.octosts.oidc.OidcResult.Rejected;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.octosts.cache.FreshStaleCache;
import dev.octosts.telemetry.Telemetry;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenID discovery for {@link OidcVerifier}: fetches and validates an issuer's discovery document, caches
 * the outcome (results for 1 h, failures for 15 s, at most {@value #MAX_PROVIDER_CACHE_WEIGHT} bytes) and
 * lets concurrent cold requests for one issuer share one fetch. Thread-safe.
 */
final class ProviderDiscovery {
    static final Duration PROVIDER_TTL = Duration.ofHours(1);
    static final Duration PROVIDER_FAILURE_TTL = Duration.ofSeconds(15);
    /** 2 MiB: some 2,000 issuers' discovery results (about 1 KiB each). */
    static final long MAX_PROVIDER_CACHE_WEIGHT = 2L << 20;
    private static final ObjectReader STRICT_JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .reader();

    private final Clock clock;
    private final SafeFetcher fetcher;
    private final Telemetry telemetry;
    /** Object headers, references and the map node around each cached entry, in bytes. */
    private static final int ENTRY_OVERHEAD = 128;

    private final FreshStaleCache<String, Discovery> providers;

    ProviderDiscovery(Clock clock, SafeFetcher fetcher, Telemetry telemetry) {
        this.clock = clock;
        this.fetcher = fetcher;
        this.telemetry = telemetry;
        this.providers = new FreshStaleCache<>(clock, MAX_PROVIDER_CACHE_WEIGHT,
                (String issuer, Discovery discovery) -> keyWeight(issuer) + discovery.estimatedHeapBytes());
    }

    /** Heap bytes of a cache entry around its value, keyed by issuer (anyone can run one). */
    static int keyWeight(String issuer) {
        return ENTRY_OVERHEAD + 2 * issuer.length();
    }

    /** The outcome of OpenID discovery for one issuer. */
    sealed interface Discovery {
        /** An upper estimate of the heap this result holds, in bytes. */
        int estimatedHeapBytes();

        record Found(URI jwksUri, Set<String> algorithms) implements Discovery {
            @Override
            public int estimatedHeapBytes() {
                // The URI keeps its text and its parsed components: about twice the text.
                return 256 + 4 * jwksUri.toString().length() + 64 * algorithms.size();
            }
        }

        record Failed(String detail) implements Discovery {
            @Override
            public int estimatedHeapBytes() {
                return 64 + 2 * detail.length();
            }
        }
    }

    /** The issuer's key-set URL and accepted algorithms, from a fresh cached or newly fetched document. */
    Discovery.Found provider(String issuer) throws Rejection {
        // Kept an hour, fresh an hour (a failure 15 s); only a fresh one is used.
        Discovery discovery = providers.get(issuer, kept -> {
            Discovery found = telemetry.inSpan("oidc.discovery", Map.of("octosts.oidc.issuer", issuer),
                    () -> discover(issuer));
            Instant now = clock.instant();
            return FreshStaleCache.Loaded.kept(new FreshStaleCache.Entry<>(found,
                    now.plus(found instanceof Discovery.Found ? PROVIDER_TTL : PROVIDER_FAILURE_TTL), now.plus(PROVIDER_TTL)));
        }, FreshStaleCache.Patience.unlimited());
        return switch (discovery) {
            case Discovery.Found found -> found;
            case Discovery.Failed failed -> throw new Rejection(OidcFailure.PROVIDER_UNAVAILABLE,
                    Rejected.DISCOVERY_FAILED, failed.detail());
        };
    }

    private Discovery discover(String issuer) {
        String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        URI url;
        try {
            url = new URI(base + "/.well-known/openid-configuration");
        } catch (URISyntaxException e) {
            return new Discovery.Failed("discovery for " + issuer + ": issuer is not a fetchable URL");
        }
        JsonNode document;
        try {
            document = STRICT_JSON.readTree(fetcher.get(url));
        } catch (SafeFetcher.FetchException e) {
            return new Discovery.Failed("discovery for " + issuer + ": " + e.getMessage());
        } catch (IOException e) {
            return new Discovery.Failed("discovery for " + issuer + ": document is not valid JSON");
        }
        if (document == null || !document.isObject()) {
            return new Discovery.Failed("discovery for " + issuer + ": document is not a JSON object");
        }
        JsonNode claimedIssuer = document.get("issuer");
        if (claimedIssuer == null || !claimedIssuer.isTextual() || !claimedIssuer.asText().equals(issuer)) {
            return new Discovery.Failed("discovery for " + issuer + ": document issuer "
                    + (claimedIssuer == null ? "is missing" : "\"" + Text.printable(claimedIssuer.asText(), 300)
                    + "\" does not equal the token issuer"));
        }
        JsonNode jwksUri = document.get("jwks_uri");
        if (jwksUri == null || !jwksUri.isTextual()) {
            return new Discovery.Failed("discovery for " + issuer + ": document has no jwks_uri string");
        }
        URI keysUrl;
        String problem;
        try {
            keysUrl = new URI(jwksUri.asText());
            problem = FetchTargets.problem(keysUrl);
        } catch (URISyntaxException e) {
            keysUrl = null;
            problem = "not a valid URL";
        }
        if (problem != null) {
            return new Discovery.Failed("discovery for " + issuer + ": jwks_uri \""
                    + Text.printable(jwksUri.asText(), 300) + "\" is refused: " + problem);
        }
        for (String field : List.of("authorization_endpoint", "token_endpoint", "device_authorization_endpoint",
                "userinfo_endpoint")) {
            JsonNode value = document.get(field);
            if (value != null && !value.isNull() && !value.isTextual()) {
                return new Discovery.Failed("discovery for " + issuer + ": " + field + " is not a string");
            }
        }
        // Like go-oidc: the advertised algorithms we support restrict the issuer; none of ours means no restriction.
        Set<String> algorithms = new HashSet<>();
        JsonNode advertised = document.get("id_token_signing_alg_values_supported");
        if (advertised != null && !advertised.isNull()) {
            if (!advertised.isArray()) {
                return new Discovery.Failed("discovery for " + issuer
                        + ": id_token_signing_alg_values_supported is not an array");
            }
            for (JsonNode alg : advertised) {
                if (!alg.isTextual() && !alg.isNull()) {
                    return new Discovery.Failed("discovery for " + issuer
                            + ": id_token_signing_alg_values_supported holds a non-string");
                }
                if (OidcVerifier.ALLOWED_ALGORITHMS.contains(alg.asText())) {
                    algorithms.add(alg.asText());
                }
            }
        }
        return new Discovery.Found(keysUrl, Set.copyOf(algorithms));
    }
}
