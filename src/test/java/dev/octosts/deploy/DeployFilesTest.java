package dev.octosts.deploy;

import dev.octosts.cli.Main;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The deployment files parse, hold what they must, and point at real paths, commands and settings. */
class DeployFilesTest {
    private static final Path DEPLOY = Path.of("deploy");

    @Test
    void kubernetesManifestsAreWellFormedAndPointAtRealThings() throws IOException {
        List<Map<String, Object>> documents = manifests();
        assertThat(documents).extracting(document -> document.get("kind"))
                .contains("Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy", "Job", "CronJob", "Secret");
        Set<String> commands = new CommandLine(new Main()).getSubcommands().keySet();
        String readme = Files.readString(Path.of("README.md"));
        for (Map<String, Object> document : documents) {
            assertThat(document).containsKeys("apiVersion", "kind", "metadata");
            assertThat(map(document, "metadata")).containsKey("name");
            if (runsPods(document)) {
                Map<String, Object> pod = podSpec(document);
                assertThat(map(pod, "securityContext")).containsEntry("runAsNonRoot", true);
                for (Map<String, Object> container : list(pod, "containers")) {
                    assertThat(commands).as("container args name an octo-sts command")
                            .contains(DeployFilesTest.<List<String>>cast(container.get("args")).getFirst());
                    assertThat(map(container, "securityContext"))
                            .containsEntry("readOnlyRootFilesystem", true)
                            .containsEntry("allowPrivilegeEscalation", false);
                    for (Map<String, Object> env : list(container, "env")) {
                        assertThat(readme).as("setting %s is documented", env.get("name"))
                                .contains("`" + env.get("name") + "`");
                    }
                    assertThat(list(container, "volumeMounts")).extracting(mount -> mount.get("mountPath")).contains("/tmp");
                }
            }
        }
    }

    @Test
    void theServiceGetsOnlyTheRuntimeLoginAndTheMigrationJobTheOwner() throws IOException {
        Map<String, Map<String, String>> databaseSecrets = new java.util.HashMap<>();
        for (Map<String, Object> document : manifests()) {
            if (runsPods(document)) {
                Map<String, Object> container = list(podSpec(document), "containers").getFirst();
                Map<String, String> secrets = new java.util.HashMap<>();
                for (Map<String, Object> env : list(container, "env")) {
                    if (String.valueOf(env.get("name")).startsWith("DATABASE_")) {
                        Map<String, Object> from = env.containsKey("valueFrom") ? map(map(env, "valueFrom"), "secretKeyRef") : Map.of();
                        secrets.put((String) env.get("name"), String.valueOf(from.get("name")));
                    }
                }
                databaseSecrets.put((String) document.get("kind"), secrets);
            }
        }
        assertThat(databaseSecrets.get("Deployment")).isEqualTo(Map.of("DATABASE_URL", "octo-sts-database-runtime"));
        assertThat(databaseSecrets.get("Job")).isEqualTo(Map.of("DATABASE_MIGRATION_URL", "octo-sts-database-owner"));
        assertThat(databaseSecrets.get("CronJob")).isEqualTo(Map.of("DATABASE_MIGRATION_URL", "octo-sts-database-owner"));
    }

    private static boolean runsPods(Map<String, Object> document) {
        return List.of("Deployment", "Job", "CronJob").contains(document.get("kind"));
    }

    private static Map<String, Object> podSpec(Map<String, Object> document) {
        Map<String, Object> spec = map(document, "spec");
        Map<String, Object> workload = document.get("kind").equals("CronJob") ? map(map(spec, "jobTemplate"), "spec") : spec;
        return map(map(workload, "template"), "spec");
    }

    @Test
    void probesUseDeclaredPortsAndTheHealthPath() throws IOException {
        Map<String, Object> deployment = manifests().stream().filter(d -> d.get("kind").equals("Deployment"))
                .findFirst().orElseThrow();
        Map<String, Object> container = list(map(map(map(deployment, "spec"), "template"), "spec"), "containers").getFirst();
        List<Object> portNames = list(container, "ports").stream().map(port -> port.get("name")).toList();
        for (String probe : List.of("readinessProbe", "livenessProbe")) {
            Map<String, Object> http = map(map(container, probe), "httpGet");
            assertThat(http.get("path")).isEqualTo("/observe/health");
            assertThat(portNames).contains(http.get("port"));
        }
    }

    @Test
    void theContainerBuildIsMultiStageAndRunsUnprivileged() throws IOException {
        String containerfile = Files.readString(DEPLOY.resolve("Containerfile"));
        assertThat(containerfile.lines().filter(line -> line.startsWith("FROM ")))
                .containsExactly("FROM eclipse-temurin:25-jdk AS build", "FROM eclipse-temurin:25-jre");
        Matcher user = Pattern.compile("(?m)^USER (\\d+)").matcher(containerfile);
        assertThat(user.find()).isTrue();
        assertThat(Integer.parseInt(user.group(1))).isEqualTo(65532);
        assertThat(containerfile).contains("octo-sts.jar").contains("CMD [\"serve\"]");
        // The cache the image trains is the one its entry point starts with.
        assertThat(containerfile).contains("-XX:AOTMode=create").contains("-XX:AOTCache=/opt/octo-sts/aot/octo-sts.aot \\")
                .contains("ENTRYPOINT [\"java\", \"-XX:AOTCache=/opt/octo-sts/aot/octo-sts.aot\"");
    }

    @Test
    void theSystemdUnitRunsTheServiceHardened() throws IOException {
        String unit = Files.readString(DEPLOY.resolve("systemd/octo-sts.service"));
        assertThat(unit).contains("[Service]").containsPattern("(?m)^ExecStart=.*octo-sts\\.jar serve$")
                .contains("NoNewPrivileges=yes").contains("ProtectSystem=strict").contains("DynamicUser=yes")
                .contains("After=network-online.target postgresql.service octo-sts-migrate.service")
                .doesNotContainPattern("(?m)^EnvironmentFile=.*migrate\\.env");
        // The schema owner's login is in an environment file of the migration unit alone.
        String migrate = Files.readString(DEPLOY.resolve("systemd/octo-sts-migrate.service"));
        assertThat(migrate).containsPattern("(?m)^ExecStart=.*octo-sts\\.jar migrate$")
                .contains("EnvironmentFile=/etc/octo-sts/migrate.env").contains("Type=oneshot")
                .contains("NoNewPrivileges=yes").contains("DynamicUser=yes");
    }

    private static List<Map<String, Object>> manifests() throws IOException {
        List<Map<String, Object>> documents = new ArrayList<>();
        try (Stream<Path> files = Files.list(DEPLOY.resolve("kubernetes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(file))) {
                    assertThat(document).as(file.toString()).isInstanceOf(Map.class);
                    documents.add(cast(document));
                }
            }
        }
        return documents;
    }

    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        assertThat(parent).containsKey(key);
        return cast(parent.get(key));
    }

    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        assertThat(parent).containsKey(key);
        return cast(parent.get(key));
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object value) {
        return (T) value;
    }
}
