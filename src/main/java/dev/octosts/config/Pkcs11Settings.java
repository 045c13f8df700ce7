package dev.octosts.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Owns the PKCS#11 settings, read here and used by {@code keys}: how to reach a PKCS#11 token, a SunPKCS11
 * configuration file ({@code PKCS11_CONFIG}) and the user PIN ({@code PKCS11_PIN}, or {@code PKCS11_PIN_FILE}
 * holding it). The PIN never appears in {@link #toString()}.
 */
public record Pkcs11Settings(Path configFile, String pin) {
    private static final long MAX_PIN_FILE_BYTES = 1024;

    @Override
    public String toString() {
        return "Pkcs11Settings[configFile=" + configFile + "]";
    }

    /**
     * Reads {@code PKCS11_CONFIG} and the PIN; call only when some key is configured to live on the token.
     *
     * @param neededBy the variable that asked for a token key, for the error message
     */
    public static Pkcs11Settings fromEnvironment(Map<String, String> env, String neededBy) {
        String config = value(env, "PKCS11_CONFIG");
        if (config == null) {
            throw new ConfigException("PKCS11_CONFIG", "is required when " + neededBy
                    + " is set (a SunPKCS11 configuration file naming the module library and slot)");
        }
        Path configFile = Path.of(config);
        if (!Files.isRegularFile(configFile) || !Files.isReadable(configFile)) {
            throw new ConfigException("PKCS11_CONFIG", "file " + config + " does not exist or cannot be read");
        }
        String pin = value(env, "PKCS11_PIN");
        String pinFile = value(env, "PKCS11_PIN_FILE");
        if ((pin == null) == (pinFile == null)) {
            throw new ConfigException("PKCS11_PIN", "set exactly one of PKCS11_PIN or PKCS11_PIN_FILE");
        }
        if (pinFile != null) {
            pin = readPinFile(Path.of(pinFile));
        }
        return new Pkcs11Settings(configFile, pin);
    }

    private static String readPinFile(Path file) {
        try {
            if (!Files.isRegularFile(file) || Files.size(file) > MAX_PIN_FILE_BYTES) {
                throw new ConfigException("PKCS11_PIN_FILE", "file " + file + " does not exist or is too large to hold a PIN");
            }
            String pin = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (pin.isEmpty()) {
                throw new ConfigException("PKCS11_PIN_FILE", "file " + file + " is empty");
            }
            return pin;
        } catch (IOException e) {
            throw new ConfigException("PKCS11_PIN_FILE", "file " + file + " cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static String value(Map<String, String> env, String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.strip();
    }
}
