package dev.octosts.keys;

import static org.junit.jupiter.api.Assumptions.abort;

import dev.octosts.config.Pkcs11Settings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A throw-away SoftHSM2 token for one test class. SoftHSM reads {@code SOFTHSM2_CONF} once per process
 * (SunPKCS11 loads the module in-process), so Surefire sets it to {@code target/softhsm2/softhsm2.conf};
 * this class writes that file and its token directory. The module only sees tokens that existed when it
 * was loaded, so the first use in a JVM wipes the directory and initialises a pool of tokens; each
 * {@link #freshToken} takes an unused one. Each token's SunPKCS11 configuration selects it by the slot id
 * that {@code softhsm2-util --show-slots} reports for its label (SoftHSM derives slot ids from random
 * token serials, so list positions and ids are not predictable).
 * Without the {@code softhsm2} package the calling test is skipped.
 */
public final class SoftHsm {
    public static final String PIN = "4711-test-pin";
    private static final String SO_PIN = "so-0815-test";
    private static final List<Path> MODULES = List.of(Path.of("/usr/lib/softhsm/libsofthsm2.so"),
            Path.of("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"), Path.of("/usr/lib64/pkcs11/libsofthsm2.so"));

    private static final int POOL_SIZE = 12;
    private static int claimed;

    private final String label;
    private final Path config;
    private final Path module;

    private SoftHsm(String label, Path config, Path module) {
        this.label = label;
        this.config = config;
        this.module = module;
    }

    /** A fresh, empty token nobody has logged in to; skips the test when SoftHSM2 is not installed. */
    public static SoftHsm freshToken() {
        Path module = MODULES.stream().filter(Files::isReadable).findFirst().orElse(null);
        if (module == null || !onPath("softhsm2-util")) {
            abort("SoftHSM2 is not installed (apt-get install -y softhsm2): PKCS#11 tests skipped");
        }
        String conf = System.getenv("SOFTHSM2_CONF");
        if (conf == null || conf.isBlank()) {
            abort("SOFTHSM2_CONF is not set: run the PKCS#11 tests through Maven (Surefire sets it)");
        }
        String label = claimToken(Path.of(conf));
        Path config = Path.of(conf).resolveSibling(label + ".cfg");
        SoftHsm token = new SoftHsm(label, config, module);
        token.writeConfig();
        return token;
    }

    /** Before the first PKCS#11 use in this JVM: a clean token directory with {@link #POOL_SIZE} tokens. */
    private static synchronized String claimToken(Path conf) {
        if (claimed == 0) {
            try {
                Path tokens = conf.resolveSibling("tokens");
                if (Files.exists(tokens)) {
                    try (var old = Files.walk(tokens)) {
                        old.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                    }
                }
                Files.createDirectories(tokens);
                Files.writeString(conf, "directories.tokendir = " + tokens.toAbsolutePath() + "\n"
                        + "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (int i = 1; i <= POOL_SIZE; i++) {
                run("softhsm2-util", "--init-token", "--free", "--label", "octo-sts-test-" + i, "--so-pin", SO_PIN, "--pin", PIN);
            }
        }
        if (claimed == POOL_SIZE) {
            throw new IllegalStateException("all " + POOL_SIZE + " SoftHSM test tokens are in use; raise SoftHsm.POOL_SIZE");
        }
        claimed++;
        return "octo-sts-test-" + claimed;
    }

    /** Writes the SunPKCS11 configuration; keys stored on the token are sensitive and never extractable. */
    private void writeConfig() {
        String text = """
                name = %s
                library = %s
                slot = %d
                attributes(*, CKO_PRIVATE_KEY, *) = {
                  CKA_SENSITIVE = true
                  CKA_EXTRACTABLE = false
                }
                """.formatted(label, module, slot());
        try {
            Files.writeString(config, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The slot id SoftHSM reports for this token's label. */
    public long slot() {
        String slots = run("softhsm2-util", "--show-slots");
        Matcher slot = Pattern.compile("^Slot (\\d+)$|^\\s+Label:\\s+(\\S+)\\s*$", Pattern.MULTILINE).matcher(slots);
        long current = -1;
        while (slot.find()) {
            if (slot.group(1) != null) {
                current = Long.parseLong(slot.group(1));
            } else if (slot.group(2).equals(label)) {
                return current;
            }
        }
        throw new IllegalStateException("SoftHSM lists no token labelled " + label);
    }

    public String label() {
        return label;
    }

    public Path config() {
        return config;
    }

    public Pkcs11Settings settings() {
        return new Pkcs11Settings(config, PIN);
    }

    public Pkcs11Token open() {
        return Pkcs11Token.open(settings());
    }

    /**
     * Re-initialises the token in place, as an HSM restore would: every object is erased and every open
     * session and handle of this process becomes invalid; the slot id stays.
     */
    public void reinitialise() {
        run("softhsm2-util", "--init-token", "--token", label, "--label", label, "--so-pin", SO_PIN, "--pin", PIN);
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        return path != null && java.util.Arrays.stream(path.split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }

    private static String run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "SoftHsm[" + label + "]";
    }
}
