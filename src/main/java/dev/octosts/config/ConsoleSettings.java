package dev.octosts.config;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The audit console on the admin listener, signed in through the organisation's OpenID Connect provider
 * (authorization code flow with PKCE). Absent unless its settings are present; then all are required.
 *
 * @param issuer       the provider's issuer, whose discovery document names its endpoints ({@code CONSOLE_OIDC_ISSUER})
 * @param clientId     the console's client at the provider ({@code CONSOLE_CLIENT_ID})
 * @param clientSecret its secret ({@code CONSOLE_CLIENT_SECRET} or the file {@code CONSOLE_CLIENT_SECRET_FILE})
 * @param redirectUrl  where the provider sends the browser back: the console's {@code /console/callback} as
 *                     the browser reaches it ({@code CONSOLE_REDIRECT_URL})
 */
public record ConsoleSettings(URI issuer, String clientId, String clientSecret, URI redirectUrl) {
    static final List<String> NAMES = List.of("CONSOLE_OIDC_ISSUER", "CONSOLE_CLIENT_ID", "CONSOLE_CLIENT_SECRET",
            "CONSOLE_CLIENT_SECRET_FILE", "CONSOLE_REDIRECT_URL");
    public static final String CALLBACK_PATH = "/console/callback";

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "ConsoleSettings[issuer=" + issuer + ", clientId=" + clientId + ", redirectUrl=" + redirectUrl + "]";
    }

    /** The console's settings, or null when none of them is set (the console is off and answers 404). */
    public static ConsoleSettings fromEnvironment(Map<String, String> env) {
        EnvironmentReader reader = new EnvironmentReader(env);
        if (NAMES.stream().allMatch(name -> reader.optional(name, null) == null)) {
            return null;
        }
        URI issuer = url(reader, "CONSOLE_OIDC_ISSUER", "the provider's issuer, e.g. https://login.example.com");
        String clientId = reader.required("CONSOLE_CLIENT_ID");
        String secret = secret(reader);
        URI redirect = url(reader, "CONSOLE_REDIRECT_URL", "the console's callback, e.g. https://audit.example.com"
                + CALLBACK_PATH);
        if (!redirect.getPath().equals(CALLBACK_PATH)) {
            throw new ConfigException("CONSOLE_REDIRECT_URL", "must end in " + CALLBACK_PATH + " (got "
                    + EnvironmentReader.quoted(redirect.toString()) + ")");
        }
        return new ConsoleSettings(issuer, clientId, secret, redirect);
    }

    private static String secret(EnvironmentReader reader) {
        String inline = reader.optional("CONSOLE_CLIENT_SECRET", null);
        Path file = reader.readableFile("CONSOLE_CLIENT_SECRET_FILE");
        if ((inline == null) == (file == null)) {
            throw new ConfigException("CONSOLE_CLIENT_SECRET", "set exactly one of CONSOLE_CLIENT_SECRET and"
                    + " CONSOLE_CLIENT_SECRET_FILE (the console's client secret at the provider)");
        }
        if (inline != null) {
            return inline;
        }
        try {
            String fromFile = Files.readString(file).strip();
            if (fromFile.isEmpty()) {
                throw new ConfigException("CONSOLE_CLIENT_SECRET_FILE", "file " + file + " is empty");
            }
            return fromFile;
        } catch (IOException e) {
            throw new ConfigException("CONSOLE_CLIENT_SECRET_FILE", "file " + file + " cannot be read");
        }
    }

    /** An https URL (http only on loopback, for the sandbox) without user info, query or fragment. */
    private static URI url(EnvironmentReader reader, String name, String example) {
        String value = reader.required(name);
        URI uri = EnvironmentReader.httpsUrl(value);
        if (uri != null) {
            return uri;
        }
        throw new ConfigException(name, "must be an https URL (http only on localhost), " + example + " (got "
                + EnvironmentReader.quoted(value) + ")");
    }
}
