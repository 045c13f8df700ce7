package dev.octosts.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code octo-sts serve} as a process of its own, from the packaged jar, for the end-to-end benchmarks. */
record ServiceProcess(Process process, URI base, double readySeconds) {
    static final Path JAR = Path.of("target", "octo-sts.jar");
    /** The service's JVM options, as in deploy/: the throughput collector, a fixed young generation, 256 MiB. */
    static final List<String> JVM_OPTIONS = List.of("-XX:+UseParallelGC", "-XX:-UseAdaptiveSizePolicy",
            "-Xmn80m", "-XX:SurvivorRatio=6", "-Xmx256m");

    /**
     * Starts the service with {@code env} and waits until its health route answers 200. Extra JVM options
     * for it come from {@code -Dbench.serviceJvmArgs} (e.g. to profile it); {@code -Dbench.serviceLog=FILE}
     * appends its output to that file (else it is read and dropped).
     */
    static ServiceProcess start(Map<String, String> env, List<String> jvmOptions) throws Exception {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run the benchmark with `-DskipTests package exec:java`");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(JVM_OPTIONS);
        command.addAll(jvmOptions);
        String extra = System.getProperty("bench.serviceJvmArgs", "").strip();
        if (!extra.isEmpty()) {
            command.addAll(List.of(extra.split("\\s+")));
        }
        command.addAll(List.of("-jar", JAR.toString(), "serve"));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        builder.redirectErrorStream(true);
        long started = System.nanoTime();
        Process process = builder.start();
        BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        URI base = null;
        for (String line; base == null && (line = output.readLine()) != null; ) {
            int at = line.indexOf("listening on ");
            if (at >= 0) {
                base = URI.create(line.substring(at + "listening on ".length()).replace("0.0.0.0", "127.0.0.1"));
            }
        }
        if (base == null) {
            throw new IllegalStateException("the service did not start");
        }
        try (HttpClient http = HttpClient.newHttpClient()) {
            while (http.send(HttpRequest.newBuilder(base.resolve("/observe/health")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
                Thread.sleep(5);
            }
        }
        double ready = (System.nanoTime() - started) / 1e9;
        String log = System.getProperty("bench.serviceLog", "").strip();
        // A platform thread of its own: the service blocks on a full pipe, so its output must be read at once
        // whatever this JVM's virtual threads are busy with.
        Thread.ofPlatform().daemon().name("service-output").start(() -> {
            try (java.io.Writer keep = log.isEmpty() ? java.io.Writer.nullWriter()
                    : Files.newBufferedWriter(Path.of(log), StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND)) {
                for (String line; (line = output.readLine()) != null; ) {
                    keep.write(line + "\n");
                }
            } catch (IOException closed) {
                // the process ended
            }
        });
        return new ServiceProcess(process, base, ready);
    }

    /** The most resident memory the process has had (VmHWM), since it started or since {@link #resetPeakRss()}. */
    long peakRssMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }

    /** Starts {@link #peakRssMb()} again from the current resident memory (Linux: 5 to /proc/PID/clear_refs). */
    void resetPeakRss() throws IOException {
        Files.writeString(Path.of("/proc", Long.toString(process.pid()), "clear_refs"), "5");
    }

    /** {@code -XX:AOTMode=create}: turns what a training run recorded into the cache. */
    static void createAotCache(Path configuration, Path cache) throws Exception {
        Process create = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:AOTMode=create", "-XX:AOTConfiguration=" + configuration, "-XX:AOTCache=" + cache,
                "-jar", JAR.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (create.waitFor() != 0 || !Files.isRegularFile(cache)) {
            throw new IllegalStateException("the AOT cache was not created (exit " + create.exitValue() + ")");
        }
    }

    /** SIGTERM, then waits: a training run writes what it recorded as it exits. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
