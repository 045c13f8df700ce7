package dev.octosts.config;

import java.nio.file.Path;

/** Where one GitHub App's private key is read from: a PEM file, an environment variable holding the PEM, or a PKCS#11 token. */
public sealed interface AppKeySource {

    /** The variable that configured this source, for error messages. */
    String variable();

    record PemFile(Path path) implements AppKeySource {
        @Override
        public String variable() {
            return "APP_SECRET_CERTIFICATE_FILE";
        }
    }

    record PemEnvironmentVariable(String name, String pem) implements AppKeySource {
        @Override
        public String variable() {
            return "APP_SECRET_CERTIFICATE_ENV_VAR";
        }

        @Override
        public String toString() {
            return "PemEnvironmentVariable[name=" + name + "]";
        }
    }

    /** A key on the PKCS#11 token of {@code PKCS11_CONFIG}, by alias. */
    record Pkcs11Alias(String alias) implements AppKeySource {
        @Override
        public String variable() {
            return "GITHUB_APP_KEY_ALIAS";
        }
    }
}
