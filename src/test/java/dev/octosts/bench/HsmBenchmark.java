package dev.octosts.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import dev.octosts.keys.Pkcs11Token;
import dev.octosts.keys.SoftHsm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * JWS signatures per second with the key inside SoftHSM2 (SunPKCS11, through the service's
 * {@code Pkcs11SigningKey}) next to the same key in memory (Nimbus on the JDK provider), in one run:
 * RS256 with RSA 2048 (the App key) and ES256 with P-256 (a ledger key), 1 and 4 threads. Writes a table
 * to stdout and {@code bench/results/hsm-latest.json}.
 *
 * <p>Run: {@code ./mvnw -B -q -Pbench-hsm test-compile exec:exec} (the profile points SOFTHSM2_CONF at
 * {@code target/softhsm2-bench}; needs the softhsm2 package).
 */
public final class HsmBenchmark {
    private static final Duration WARM_UP = Duration.ofSeconds(2);
    private static final Duration MEASURE = Duration.ofSeconds(5);
    private static final int[] THREADS = {1, 4};
    private static final byte[] INPUT = ("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxMjM0NSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAwNTQwfQ")
            .getBytes(StandardCharsets.US_ASCII);

    private record Result(String key, String where, int threads, double perSecond) {
    }

    public static void main(String[] args) throws Exception {
        SoftHsm hsm = SoftHsm.freshToken();
        Pkcs11Token token = hsm.open();
        KeyPair rsa = generate("RSA", 2048);
        KeyPair ec = generate("EC", 0);
        token.importKey("rsa", rsa);
        token.importKey("ec", ec);

        List<Result> results = new ArrayList<>();
        for (int threads : THREADS) {
            results.add(measure("RS256 RSA-2048", "PKCS#11 (SoftHSM2)", threads,
                    token.key("rsa", "bench").jwsSigner(), JWSAlgorithm.RS256));
            results.add(measure("RS256 RSA-2048", "in memory (JDK)", threads, new RSASSASigner(rsa.getPrivate()), JWSAlgorithm.RS256));
            results.add(measure("ES256 P-256", "PKCS#11 (SoftHSM2)", threads,
                    token.key("ec", "bench").jwsSigner(), JWSAlgorithm.ES256));
            results.add(measure("ES256 P-256", "in memory (JDK)", threads,
                    new ECDSASigner((ECPrivateKey) ec.getPrivate()), JWSAlgorithm.ES256));
        }

        System.out.printf("%-16s %-20s %8s %14s%n", "key", "where", "threads", "signatures/s");
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.putObject("machine").put("cores", Runtime.getRuntime().availableProcessors())
                .put("java", System.getProperty("java.version"));
        json.put("time", Instant.now().toString());
        json.put("measure_seconds", MEASURE.toSeconds());
        var rows = json.putArray("signatures_per_s");
        for (Result result : results) {
            System.out.printf("%-16s %-20s %8d %14.0f%n", result.key(), result.where(), result.threads(), result.perSecond());
            rows.addObject().put("key", result.key()).put("where", result.where()).put("threads", result.threads())
                    .put("per_s", Math.round(result.perSecond()));
        }
        System.out.println("token signing stats: " + token.stats().snapshot().signatures() + " signatures, "
                + token.stats().snapshot().failures() + " failures, peak " + token.stats().snapshot().peakInFlight()
                + " in flight");
        Path out = Path.of("bench", "results", "hsm-latest.json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
    }

    private static Result measure(String key, String where, int threads, JWSSigner signer, JWSAlgorithm algorithm)
            throws Exception {
        JWSHeader header = new JWSHeader(algorithm);
        run(threads, signer, header, WARM_UP);
        long count = run(threads, signer, header, MEASURE);
        return new Result(key, where, threads, count / (double) MEASURE.toMillis() * 1000);
    }

    private static long run(int threads, JWSSigner signer, JWSHeader header, Duration duration) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        List<Future<Long>> counts = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                counts.add(pool.submit(() -> {
                    long signed = 0;
                    while (!stop.get()) {
                        signer.sign(header, INPUT);
                        signed++;
                    }
                    return signed;
                }));
            }
            Thread.sleep(duration.toMillis());
            stop.set(true);
            long total = 0;
            for (Future<Long> count : counts) {
                total += count.get();
            }
            return total;
        }
    }

    private static KeyPair generate(String algorithm, int bits) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        if (bits > 0) {
            generator.initialize(bits);
        } else {
            generator.initialize(new ECGenParameterSpec("secp256r1"));
        }
        return generator.generateKeyPair();
    }
}
