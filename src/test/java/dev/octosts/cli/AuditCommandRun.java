package dev.octosts.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** One in-process run of {@code octo-sts audit ...}: exit code and what it printed. */
record AuditCommandRun(int exit, String out, String err) {

    static AuditCommandRun run(Map<String, String> env, Clock clock, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        CommandLine cli = OneLineErrors.on(new CommandLine(new AuditCommand(env, outStream, errStream, clock)));
        cli.setOut(new PrintWriter(outStream, true));
        cli.setErr(new PrintWriter(errStream, true));
        int exit = cli.execute(args);
        return new AuditCommandRun(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    List<String> lines() {
        return out.lines().toList();
    }
}
