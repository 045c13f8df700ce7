package dev.octosts.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine;

/** One in-process run of {@code octo-sts policy ...}: exit code and what it printed. */
record PolicyCommandRun(int exit, String out, String err) {
    static final ObjectMapper JSON = new ObjectMapper();

    static PolicyCommandRun run(String... args) {
        return runWithInput("", args);
    }

    static PolicyCommandRun runWithInput(String input, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        CommandLine cli = OneLineErrors.on(new CommandLine(new PolicyCommand(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), outStream, errStream)));
        cli.setOut(new PrintWriter(outStream, true));
        cli.setErr(new PrintWriter(errStream, true));
        int exit = cli.execute(args);
        return new PolicyCommandRun(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    List<String> lines() {
        return out.lines().toList();
    }

    /** A conformance file from the test classpath. */
    static JsonNode conformance(String file) {
        try (InputStream in = PolicyCommandRun.class.getResourceAsStream("/conformance/octo-sts/" + file)) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file name for a row id ({@code TestCompile/missing issuer} → {@code TestCompile_missing_issuer}). */
    static String fileName(String id) {
        return id.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
