package dev.octosts.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The audit console in a real browser (Debian's headless Chromium through its chromedriver), against the
 * {@code octo-sts dev} sandbox with its example traffic: sign-in at the local issuer, the overview chart,
 * a search by token hash, a record page, a CSV export, and the refusals. One browser for the class.
 *
 * <p>It saves screenshots of the overview and a record page under {@code target/console-screenshots}; with
 * {@code -Dconsole.screenshots.update=true} it also replaces the README's copies in {@code docs/images}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    static Path temp;
    private static Sandbox sandbox;
    private static ChromeDriver browser;
    private static Path downloads;

    @BeforeAll
    static void start() throws IOException {
        assertThat(CHROMIUM).as("Chromium (apt-get install chromium chromium-driver)").isExecutable();
        assertThat(CHROMEDRIVER).as("chromedriver (apt-get install chromium-driver)").isExecutable();
        sandbox = Sandbox.start(temp.resolve("sandbox"), 0, freePort());
        downloads = Files.createDirectories(temp.resolve("downloads"));
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--lang=en-US");
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false));
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build(), options);
        browser.manage().timeouts().pageLoadTimeout(PATIENCE);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Test
    @Order(1)
    void withoutASessionTheConsoleSendsToSignIn() {
        browser.get(sandbox.console.toString());
        assertThat(browser.getCurrentUrl()).endsWith("/console/signin");
        assertThat(browser.getTitle()).startsWith("Sign in");
    }

    @Test
    @Order(2)
    void aReaderSignsInAndSeesTheStartUpTrafficOnTheOverview() throws IOException {
        signInAs(Sandbox.AUDITOR);
        assertThat(browser.getTitle()).startsWith("Overview");
        assertThat(browser.findElement(By.cssSelector(".who")).getText()).isEqualTo(Sandbox.AUDITOR);
        WebElement chart = browser.findElement(By.id("chart"));
        assertThat(chart.findElements(By.cssSelector("rect.bar-allow"))).isNotEmpty();
        assertThat(chart.findElements(By.cssSelector("rect.bar-deny"))).isNotEmpty();
        // The sandbox's example traffic: 3 issued, 5 refused.
        assertThat(sandbox.traffic.issued()).isEqualTo(3);
        assertThat(sandbox.traffic.refused()).isEqualTo(5);
        // Allowed: the 3 issued exchanges and 2 records of the reader's own console use; denied: the 5 refused.
        assertThat(browser.findElement(By.id("totals")).getText()).isEqualTo("■ allow: 5■ deny: 5■ error: 0");
        assertThat(browser.findElement(By.cssSelector(".cards")).getText()).contains("subject_mismatch");
        screenshot("console-overview.png");
    }

    @Test
    @Order(3)
    void searchByTokenHashFindsTheRecordWhichVerifies() throws Exception {
        String tokenSha256 = sha256(exchange());
        browser.get(sandbox.console.resolve("search").toString());
        browser.findElement(By.id("token_sha256")).sendKeys(tokenSha256);
        browser.findElement(By.id("search")).click();
        new WebDriverWait(browser, PATIENCE).until(driver -> !driver.findElements(By.id("count")).isEmpty());
        assertThat(browser.findElement(By.id("count")).getText()).startsWith("1 record");
        assertThat(browser.findElement(By.id("results")).getText()).contains(tokenSha256);
        browser.findElement(By.cssSelector("a.record-link")).click();
        waitForTitle("Record ");
        new WebDriverWait(browser, PATIENCE).until(driver -> {
            if (driver.findElement(By.id("verification")).getText().equals("verified")) {
                return true;
            }
            driver.navigate().refresh();
            return false;
        });
        assertThat(browser.findElement(By.id("fields")).getText()).contains(tokenSha256)
                .contains(".github/chainguard/ci.sts.yaml");
        screenshot("console-record.png");

        browser.get(sandbox.console.resolve("search?token_sha256=" + tokenSha256).toString());
        browser.findElement(By.id("export-csv")).click();
        Path csv = downloads.resolve("octo-sts-audit.csv");
        new WebDriverWait(browser, PATIENCE).until(driver -> Files.exists(csv));
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).contains("allow").contains(tokenSha256);
    }

    /** On a phone's width every page fits: nothing makes the page itself scroll sideways. */
    @Test
    @Order(4)
    void thePagesFitAPhonesWidth() {
        Dimension laptop = browser.manage().window().getSize();
        browser.manage().window().setSize(new Dimension(390, 844));
        try {
            for (String page : List.of("", "search", "search?decision=deny", "record")) {
                if (page.equals("record")) {
                    browser.findElement(By.cssSelector("a.record-link")).click(); // the newest refusal
                    waitForTitle("Record ");
                } else {
                    browser.get(sandbox.console.resolve(page).toString());
                }
                long overflow = (Long) ((JavascriptExecutor) browser).executeScript(
                        "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
                assertThat(overflow).as("%s overflows a phone's width by %d px", page, overflow).isLessThanOrEqualTo(0);
            }
        } finally {
            browser.manage().window().setSize(laptop);
        }
    }

    @Test
    @Order(5)
    void aForgedCsrfTokenIsRefused() {
        browser.get(sandbox.console.resolve("search").toString());
        // The page runs no script; the test stands in for a forged form by changing the token it carries.
        ((JavascriptExecutor) browser).executeScript("document.querySelector('input[name=csrf]').value = 'forged'");
        browser.findElement(By.cssSelector(".signout button")).click();
        waitForTitle("Refused");
        browser.get(sandbox.console.resolve("search").toString());
        assertThat(browser.getTitle()).startsWith("Search");
    }

    @Test
    @Order(6)
    void someoneOutsideTheReadersPolicyGets403() {
        browser.get(sandbox.console.resolve("search").toString());
        browser.findElement(By.cssSelector(".signout button")).click();
        waitForTitle("Sign in");
        assertThat(browser.getCurrentUrl()).endsWith("/console/signin");
        signInAs("outsider@example.com");
        assertThat(browser.getTitle()).startsWith("Not an audit reader");
        browser.get(sandbox.console.toString());
        assertThat(browser.getCurrentUrl()).endsWith("/console/signin");
    }

    /** Sign-in as a person does it: the console's button, the local issuer's "sign in as" page, back. */
    private static void signInAs(String subject) {
        browser.get(sandbox.console.resolve("signin").toString());
        browser.findElement(By.linkText("Sign in")).click();
        WebElement who = browser.findElement(By.id("subject"));
        who.clear();
        who.sendKeys(subject);
        browser.findElement(By.id("sign-in")).click();
        new WebDriverWait(browser, PATIENCE).until(driver -> {
            String title = driver.getTitle();
            return !title.equals("Signed in") && !title.startsWith("Local issuer");
        });
    }

    private static void waitForTitle(String start) {
        new WebDriverWait(browser, PATIENCE).until(driver -> driver.getTitle().startsWith(start));
    }

    /** One more exchange through the sandbox's public listener; its token. */
    private static String exchange() throws Exception {
        String oidc = sandbox.issuer.token().subject("repo:" + Sandbox.ORG + "/" + Sandbox.REPO + ":ref:refs/heads/main")
                .audience(Sandbox.DOMAIN).mint();
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + sandbox.port() + "/sts/exchange?scope=" + Sandbox.ORG + "/" + Sandbox.REPO
                                + "&identity=ci"))
                .header("Authorization", "Bearer " + oidc).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        Matcher token = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"").matcher(response.body());
        assertThat(token.find()).isTrue();
        return token.group(1);
    }

    private static void screenshot(String name) throws IOException {
        Dimension size = browser.manage().window().getSize();
        long height = (Long) ((JavascriptExecutor) browser).executeScript("return document.documentElement.scrollHeight");
        browser.manage().window().setSize(new Dimension(size.getWidth(), (int) Math.min(2400, height + 140)));
        Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
        browser.manage().window().setSize(size);
        assertThat(Files.size(shot)).isPositive();
        Path saved = Files.createDirectories(Path.of("target", "console-screenshots")).resolve(name);
        Files.copy(shot, saved, StandardCopyOption.REPLACE_EXISTING);
        if (Boolean.getBoolean("console.screenshots.update")) {
            Files.copy(shot, Files.createDirectories(Path.of("docs", "images")).resolve(name),
                    StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
