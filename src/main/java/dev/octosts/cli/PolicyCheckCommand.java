package dev.octosts.cli;

import dev.octosts.policy.PolicyFileCheck;
import dev.octosts.policy.PolicyFileCheck.Kind;
import dev.octosts.policy.PolicyFileCheck.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code octo-sts policy check FILE...}: exit 0 when every file is valid, 1 when one is not, 2 when one cannot be read. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Parse and compile trust policies (and trusted-token-issuers.yaml allowlists, org-settings.yaml)"
                        + " as the exchange does.",
                "Prints 'FILE: ok' or 'FILE:LINE: problem' for each file. Exit 0 when all are valid, 1 when any is"
                        + " invalid, 2 when a file cannot be read."})
final class PolicyCheckCommand extends PolicyCommand.Subcommand {
    /** The allowlist's file name in the org policy repository; a file so named is checked as one. */
    static final String ALLOWLIST_FILE_NAME = "trusted-token-issuers.yaml";
    /** The org settings' file name in the org policy repository; a file so named is checked as one. */
    static final String ORG_SETTINGS_FILE_NAME = "org-settings.yaml";

    @Parameters(paramLabel = "FILE", arity = "0..*",
            description = "Trust policies (<identity>.sts.yaml), allowlists (" + ALLOWLIST_FILE_NAME + ") and org settings ("
                    + ORG_SETTINGS_FILE_NAME + "), or directories: their policy files (e.g. .github/chainguard).")
    List<Path> files = new ArrayList<>();

    @Option(names = "--org", description = "Read trust policies as org policies (in the org policy repository),"
            + " which may list repositories.")
    boolean org;

    @Override
    int run() {
        if (files.isEmpty()) {
            throw new PolicyCommand.UsageException("name at least one policy file (see --help)");
        }
        int exit = 0;
        for (Path file : expand(files)) {
            String yaml;
            try {
                yaml = PolicyCommand.readUtf8(file, PolicyFileCheck.MAX_FILE_BYTES);
            } catch (PolicyCommand.UsageException e) {
                policy.error(e.getMessage()); // the other files are still checked
                exit = PolicyCommand.EXIT_ERROR;
                continue;
            }
            if (yaml == null) {
                policy.out().println(file + ": document too large (max " + PolicyFileCheck.MAX_FILE_BYTES + " bytes)");
                exit = Math.max(exit, PolicyCommand.EXIT_REFUSED);
                continue;
            }
            Kind kind = kindOf(file);
            Optional<Problem> problem = PolicyFileCheck.check(yaml, kind);
            policy.out().println(problem.map(p -> describe(file, p)).orElse(file + ": ok"));
            if (problem.isPresent() && kind == Kind.REPO_POLICY && PolicyFileCheck.check(yaml, Kind.ORG_POLICY).isEmpty()) {
                policy.out().println(file + ": hint: it is a valid org policy (in the org policy repository): check it with --org");
            }
            if (problem.isPresent()) {
                exit = Math.max(exit, PolicyCommand.EXIT_REFUSED);
            }
        }
        return exit;
    }

    /** The files named, with each directory replaced by its policy files (*.sts.yaml, allowlists, org settings), in name order. */
    private List<Path> expand(List<Path> named) {
        List<Path> expanded = new ArrayList<>();
        for (Path path : named) {
            if (!Files.isDirectory(path)) {
                expanded.add(path);
                continue;
            }
            try (Stream<Path> walk = Files.walk(path)) {
                List<Path> found = walk.filter(Files::isRegularFile).filter(PolicyCheckCommand::isPolicyFile).sorted().toList();
                if (found.isEmpty()) {
                    throw new PolicyCommand.UsageException(path + ": no policy files (*.sts.yaml, " + ALLOWLIST_FILE_NAME
                            + ", " + ORG_SETTINGS_FILE_NAME + ") in this directory");
                }
                expanded.addAll(found);
            } catch (IOException e) {
                throw new PolicyCommand.UsageException(path + ": cannot read the directory (" + e.getMessage() + ")");
            }
        }
        return expanded;
    }

    private static boolean isPolicyFile(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".sts.yaml") || name.equals(ALLOWLIST_FILE_NAME) || name.equals(ORG_SETTINGS_FILE_NAME);
    }

    private Kind kindOf(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        if (name.equals(ALLOWLIST_FILE_NAME)) {
            return Kind.ALLOWLIST;
        }
        if (name.equals(ORG_SETTINGS_FILE_NAME)) {
            return Kind.ORG_SETTINGS;
        }
        return org ? Kind.ORG_POLICY : Kind.REPO_POLICY;
    }

    /** {@code FILE:LINE: message} on one line (Go's multi-line YAML errors are joined). */
    static String describe(Path file, Problem problem) {
        String message = problem.message().replaceAll("\\s*\\n\\s*", " ");
        return file + (problem.line().isPresent() ? ":" + problem.line().getAsInt() : "") + ": " + message;
    }
}
