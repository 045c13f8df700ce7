package dev.octosts.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The fewest environment variables {@code serve} starts with, placeholder key files written in {@code dir}. */
public final class MinimalEnvironment {
    private MinimalEnvironment() {
    }

    /** A mutable map: each test adds or changes the variables it is about. */
    public static Map<String, String> in(Path dir) throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("STS_DOMAIN", "sts.example.com");
        env.put("GITHUB_APP_IDS", "12");
        env.put("APP_SECRET_CERTIFICATE_FILE", Files.writeString(dir.resolve("key.pem"), "pem").toString());
        env.put("DATABASE_URL", "jdbc:postgresql://db/octosts?user=octosts_app");
        env.put("LEDGER_SIGNING_KEY_FILE", Files.writeString(dir.resolve("ledger.pem"), "pem").toString());
        return env;
    }
}
