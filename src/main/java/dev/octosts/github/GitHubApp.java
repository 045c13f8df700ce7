package dev.octosts.github;

import dev.octosts.keys.SigningKey;
import java.util.Objects;

/** A GitHub App: its ID (the JWT {@code iss}) and the key that signs its JWTs. */
public record GitHubApp(long appId, SigningKey key) {
    public GitHubApp {
        if (appId <= 0) {
            throw new IllegalArgumentException("a GitHub App ID must be a positive number, got " + appId);
        }
        Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
        return "GitHubApp[" + appId + ", " + key.description() + "]";
    }
}
