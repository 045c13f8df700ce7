package dev.octosts;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package map of docs/architecture.md as rules over the compiled production classes: each package
 * imports only packages below it in {@link #TABLE}, with the narrower "knows nothing of" rules on top, and the
 * few libraries that have one home stay there. The last test runs the same rules over a fixture with a
 * forbidden import, so a rule that could never fail would show here.
 */
@AnalyzeClasses(packages = {"dev.octosts", "com.google.re2j"},
        importOptions = {ImportOption.DoNotIncludeTests.class, ImportOption.DoNotIncludeJars.class})
class ArchitectureTest {
    private static final String ROOT = "dev.octosts";

    /** Top to bottom: a package may import only the packages after it. */
    static final List<String> TABLE = List.of("cli", "http", "console", "webhook", "ledger", "exchange", "guard",
            "policy", "oidc", "github", "telemetry", "keys", "config", "cache", "digest", "gocompat", "dev");

    /** Packages below a package that it still must not import (the table's "knows nothing of" column). */
    static final Map<String, Set<String>> KNOWS_NOTHING_OF = Map.of(
            "ledger", Set.of("policy"),
            "guard", Set.of("policy"),
            "oidc", Set.of("github"));

    /** {@code http} reaches policies through the explain entry point and the values it answers, nothing else. */
    static final Set<String> HTTP_MAY_USE_FROM_POLICY = Set.of("PolicyExplainer", "PolicyExplanation", "CheckResult");

    /** SyntaxTrees and the parse tree nested in it. */
    private static final String SYNTAX_TREES = "com\\.google\\.re2j\\.SyntaxTrees(\\$.*)?";

    @ArchTest
    static void dependenciesPointDownTheTable(JavaClasses production) {
        assertNoViolations(layerRules(ROOT), production);
    }

    @ArchTest
    static void noCyclesBetweenPackages(JavaClasses production) {
        assertNoViolations(List.of(cycleRule(ROOT)), production);
    }

    @ArchTest
    static void librariesStayInTheirHomes(JavaClasses production) {
        assertNoViolations(libraryRules(ROOT), production);
    }

    @ArchTest
    static void syntaxTreesIsALeafOnlyPolicyCalls(JavaClasses production) {
        assertNoViolations(syntaxTreeRules(ROOT), production);
    }

    /** The rules report a forbidden import: a fixture whose "config" imports its "oidc" breaks the table. */
    @Test
    void aForbiddenImportIsReported() {
        String fixture = "dev.octosts.architecture.fixture";
        JavaClasses classes = new ClassFileImporter().importPackages(fixture);
        assertThat(classes).isNotEmpty();
        List<String> violations = violations(layerRules(fixture), classes);
        assertThat(violations).anySatisfy(line -> assertThat(line)
                .contains(fixture + ".config.ReadsAnIssuer").contains(fixture + ".oidc.Issuer"));
        assertThat(violations(List.of(cycleRule(fixture)), classes)).isNotEmpty();
        assertThat(violations(libraryRules(fixture), classes)).anySatisfy(line -> assertThat(line)
                .contains(fixture + ".config.ReadsAnIssuer").contains("java.net.http"));
    }

    static List<ArchRule> layerRules(String root) {
        List<ArchRule> rules = new ArrayList<>();
        for (int i = 0; i < TABLE.size(); i++) {
            String name = TABLE.get(i);
            List<String> forbidden = new ArrayList<>(TABLE.subList(0, i));
            forbidden.addAll(KNOWS_NOTHING_OF.getOrDefault(name, Set.of()));
            rules.add(noClasses().that().resideInAPackage(root + "." + name + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(forbidden.stream()
                            .map(other -> root + "." + other + "..").toArray(String[]::new))
                    .allowEmptyShould(true)
                    .because(name + " imports only packages below it in the table"));
        }
        rules.add(noClasses().that().resideInAPackage(root + ".http..")
                .should().dependOnClassesThat(DescribedPredicate.describe(
                        "are in policy other than " + HTTP_MAY_USE_FROM_POLICY,
                        target -> target.getPackageName().equals(root + ".policy")
                                && HTTP_MAY_USE_FROM_POLICY.stream().noneMatch(name -> target.getName().equals(root + ".policy." + name)
                                        || target.getName().startsWith(root + ".policy." + name + "$"))))
                .allowEmptyShould(true)
                .because("the admin route explains policies through policy's one entry point"));
        rules.add(noClasses().that().resideOutsideOfPackages(root + ".cli..", root + ".dev..")
                .should().dependOnClassesThat().resideInAPackage(root + ".dev..")
                .allowEmptyShould(true)
                .because("the sandbox (dev) serves cli dev, tests and benchmarks, never production code"));
        return rules;
    }

    static ArchRule cycleRule(String root) {
        return slices().matching(root + ".(*)..").should().beFreeOfCycles().allowEmptyShould(true);
    }

    static List<ArchRule> libraryRules(String root) {
        return List.of(
                noClasses().that().resideOutsideOfPackage(root + ".ledger..")
                        .and().doNotHaveFullyQualifiedName(root + ".webhook.DeliveryMemory")
                        .and().resideInAPackage(root + "..")
                        .should().dependOnClassesThat().resideInAPackage("org.jooq..")
                        .allowEmptyShould(true)
                        .because("SQL lives in the ledger (and the webhook's delivery memory)"),
                noClasses().that().resideOutsideOfPackage(root + ".oidc..")
                        .and().resideInAPackage(root + "..")
                        .should().dependOnClassesThat().resideInAPackage("java.net.http..")
                        .allowEmptyShould(true)
                        .because("outbound HTTP goes through Helidon's WebClient; only oidc may use the JDK client"));
    }

    static List<ArchRule> syntaxTreeRules(String root) {
        return List.of(
                noClasses().that().haveNameMatching(SYNTAX_TREES)
                        .should().dependOnClassesThat().resideInAPackage(root + "..")
                        .because("SyntaxTrees only exposes RE2/J's parser; it calls nothing of ours"),
                classes().that().haveNameMatching(SYNTAX_TREES)
                        .should().onlyHaveDependentClassesThat().resideInAnyPackage(root + ".policy..", "com.google.re2j..")
                        .because("only policy parses patterns with RE2/J's own parser"));
    }

    private static List<String> violations(List<ArchRule> rules, JavaClasses classes) {
        List<String> lines = new ArrayList<>();
        for (ArchRule rule : rules) {
            EvaluationResult result = rule.evaluate(classes);
            lines.addAll(result.getFailureReport().getDetails());
        }
        return lines;
    }

    private static void assertNoViolations(List<ArchRule> rules, JavaClasses classes) {
        assertThat(violations(rules, classes)).isEmpty();
    }
}
