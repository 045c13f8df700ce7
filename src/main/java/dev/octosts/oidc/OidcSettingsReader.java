package dev.octosts.oidc;

import dev.octosts.config.ConfigException;
import dev.octosts.config.Settings;
import java.time.Clock;
import java.util.Map;

/**
 * Owns checking the OIDC-facing settings, which config reads as plain text, by this package's rules at
 * start-up: the issuer allowlist ({@code OIDC_ALLOWED_ISSUERS}, {@code OIDC_ALLOWED_ISSUER_PATTERNS}), the JWKS
 * overrides file ({@code OIDC_JWKS_OVERRIDES}) and the audience audit readers' tokens carry
 * ({@code AUDIT_READERS_AUDIENCE}). Each bad setting is one {@link ConfigException} line naming its variable.
 */
public final class OidcSettingsReader {
    private OidcSettingsReader() {
    }

    /** The verifier's settings: the checked allowlist and overrides, default timeouts, the given clock. */
    public static OidcSettings read(Settings settings, Clock clock) {
        OidcSettings defaults = OidcSettings.defaults();
        return new OidcSettings(jwksOverrides(settings), settings.privateNetworkHosts(), defaults.connectTimeout(),
                defaults.readTimeout(), clock, allowedIssuers(settings.allowedIssuers()));
    }

    /** The audit readers' audience, once it is one a token can carry. */
    public static String auditReadersAudience(Settings settings) {
        String audience = settings.auditReadersAudience();
        if (!OidcFields.isValidAudience(audience)) {
            throw new ConfigException("AUDIT_READERS_AUDIENCE", "is not an audience a token can carry (got \""
                    + Text.printable(audience, 80) + "\")");
        }
        return audience;
    }

    private static IssuerAllowlist allowedIssuers(Settings.AllowedIssuers written) {
        for (String issuer : written.issuers()) {
            if (!OidcFields.isValidIssuer(issuer)) {
                throw new ConfigException("OIDC_ALLOWED_ISSUERS", "\"" + Text.printable(issuer, 80) + "\" is not a valid issuer"
                        + " (an https URL, http only on localhost, without query or fragment)");
            }
        }
        try {
            return IssuerAllowlist.of(written.issuers(), written.patterns());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("OIDC_ALLOWED_ISSUER_PATTERNS", e.getMessage());
        }
    }

    private static Map<String, String> jwksOverrides(Settings settings) {
        if (settings.jwksOverridesFile() == null) {
            return Map.of();
        }
        try {
            return OidcSettings.readOverridesFile(settings.jwksOverridesFile());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("OIDC_JWKS_OVERRIDES", e.getMessage());
        }
    }
}
