package dev.octosts.oidc;

import java.net.URI;
import java.nio.file.Path;

/** Where an issuer's key set comes from: a URL (discovered or configured) or a configured local file. */
sealed interface JwksSource {
    record Remote(URI url) implements JwksSource {
    }

    record LocalFile(Path path) implements JwksSource {
    }
}
