package dev.octosts.oidc;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How the {@link OidcVerifier} reaches providers.
 *
 * @param jwksOverrides       issuer → JWKS source used instead of discovery: an absolute file path, or an
 *                            https URL (http only on a loopback host). Every issuer must pass the issuer rules.
 * @param privateNetworkHosts host names (or IP literals) whose fetches may reach loopback or private
 *                            addresses, e.g. {@code 127.0.0.1} in tests or {@code kubernetes.default.svc};
 *                            matched case-insensitively against the URL host. Empty in production by default.
 * @param connectTimeout      TCP/TLS connect timeout of every fetch
 * @param readTimeout         time allowed for one whole request (status, headers and body) of every fetch
 * @param clock               time source for token expiry and cache ages
 * @param allowedIssuers      the issuers whose tokens are verified at all, checked before any fetch;
 *                            {@link IssuerAllowlist#ANY} for every issuer
 */
public record OidcSettings(Map<String, String> jwksOverrides, Set<String> privateNetworkHosts,
                           Duration connectTimeout, Duration readTimeout, Clock clock,
                           IssuerAllowlist allowedIssuers) {
    private static final int MAX_OVERRIDES_FILE_BYTES = 1024 * 1024;

    public OidcSettings {
        Objects.requireNonNull(jwksOverrides, "jwksOverrides");
        Objects.requireNonNull(privateNetworkHosts, "privateNetworkHosts");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(allowedIssuers, "allowedIssuers");
        if (connectTimeout.isNegative() || connectTimeout.isZero() || readTimeout.isNegative()
                || readTimeout.isZero()) {
            throw new IllegalArgumentException("OIDC connect and read timeouts must be positive.");
        }
        jwksOverrides.forEach(OidcSettings::checkOverride);
        jwksOverrides = Map.copyOf(jwksOverrides);
        privateNetworkHosts = privateNetworkHosts.stream()
                .map(OidcSettings::normalizeHost)
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Settings without an issuer allowlist. */
    public OidcSettings(Map<String, String> jwksOverrides, Set<String> privateNetworkHosts, Duration connectTimeout,
                        Duration readTimeout, Clock clock) {
        this(jwksOverrides, privateNetworkHosts, connectTimeout, readTimeout, clock, IssuerAllowlist.ANY);
    }

    /** No overrides, no private hosts, 5 s connect, 10 s read, the system clock, every issuer allowed. */
    public static OidcSettings defaults() {
        return new OidcSettings(Map.of(), Set.of(), Duration.ofSeconds(5), Duration.ofSeconds(10),
                Clock.systemUTC());
    }

    /** A copy with other JWKS overrides. */
    public OidcSettings withJwksOverrides(Map<String, String> overrides) {
        return new OidcSettings(overrides, privateNetworkHosts, connectTimeout, readTimeout, clock, allowedIssuers);
    }

    /** A copy with other private-network hosts. */
    public OidcSettings withPrivateNetworkHosts(Set<String> hosts) {
        return new OidcSettings(jwksOverrides, hosts, connectTimeout, readTimeout, clock, allowedIssuers);
    }

    /** A copy with another clock. */
    public OidcSettings withClock(Clock newClock) {
        return new OidcSettings(jwksOverrides, privateNetworkHosts, connectTimeout, readTimeout, newClock, allowedIssuers);
    }

    /** A copy with another issuer allowlist. */
    public OidcSettings withAllowedIssuers(IssuerAllowlist allowlist) {
        return new OidcSettings(jwksOverrides, privateNetworkHosts, connectTimeout, readTimeout, clock, allowlist);
    }

    /**
     * Reads a JWKS overrides file: a JSON object {@code {"<issuer>": "<absolute path or https URL>"}}.
     *
     * @throws IllegalArgumentException with one sentence naming the problem: unreadable file, bad JSON,
     *                                  a value that is not a string, an invalid issuer, a relative or
     *                                  missing file, or a URL that is not https (http only on loopback)
     */
    public static Map<String, String> readOverridesFile(Path file) {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_OVERRIDES_FILE_BYTES) {
                throw new IllegalArgumentException("JWKS overrides file " + file + " is larger than 1 MiB.");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("JWKS overrides file " + file + " cannot be read ("
                    + e.getClass().getSimpleName() + ").");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("JWKS overrides file " + file + " is not valid JSON (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ").");
        } catch (IOException e) {
            throw new IllegalArgumentException("JWKS overrides file " + file + " cannot be read.");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("JWKS overrides file " + file
                    + " must hold a JSON object mapping each issuer to a JWKS file path or https URL.");
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            if (!entry.getValue().isTextual()) {
                throw new IllegalArgumentException("JWKS override for issuer \"" + entry.getKey()
                        + "\" in " + file + " must be a string (a file path or an https URL).");
            }
            checkOverride(entry.getKey(), entry.getValue().asText());
            overrides.put(entry.getKey(), entry.getValue().asText());
        }
        return Map.copyOf(overrides);
    }

    /** The override source of {@code issuer}, or null if it has none. */
    JwksSource overrideFor(String issuer) {
        String value = jwksOverrides.get(issuer);
        if (value == null) {
            return null;
        }
        return isUrl(value) ? new JwksSource.Remote(URI.create(value)) : new JwksSource.LocalFile(Path.of(value));
    }

    private static void checkOverride(String issuer, String value) {
        Objects.requireNonNull(issuer, "override issuer");
        Objects.requireNonNull(value, "override value");
        if (!OidcFields.isValidIssuer(issuer)) {
            throw new IllegalArgumentException("JWKS override issuer \"" + printable(issuer)
                    + "\" is not a valid issuer (https URL, http only on localhost, no query or fragment).");
        }
        if (isUrl(value)) {
            String problem;
            try {
                problem = FetchTargets.problem(new URI(value));
            } catch (URISyntaxException e) {
                problem = "not a valid URL";
            }
            if (problem != null) {
                throw new IllegalArgumentException("JWKS override for issuer \"" + issuer + "\" must be an https"
                        + " URL (http only on a loopback host), but \"" + printable(value) + "\" is " + problem + ".");
            }
            return;
        }
        Path path;
        try {
            path = Path.of(value);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("JWKS override for issuer \"" + issuer + "\" is neither an https URL"
                    + " nor a file path: \"" + printable(value) + "\".");
        }
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("JWKS override file for issuer \"" + issuer
                    + "\" must be an absolute path, but \"" + printable(value) + "\" is relative.");
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new IllegalArgumentException("JWKS override file for issuer \"" + issuer
                    + "\" does not exist or is not a readable file: " + path + ".");
        }
    }

    /** Anything with a scheme separator is treated as a URL, so {@code ftp://…} is refused rather than read. */
    private static boolean isUrl(String value) {
        return value.contains("://");
    }

    private static String normalizeHost(String host) {
        String h = Objects.requireNonNull(host, "private network host").trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.isEmpty()) {
            throw new IllegalArgumentException("A private network host must not be empty.");
        }
        return h;
    }

    static String printable(String s) {
        return Text.printable(s, 200);
    }
}
