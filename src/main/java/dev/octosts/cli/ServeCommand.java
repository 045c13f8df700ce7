package dev.octosts.cli;

import dev.octosts.config.ConfigException;
import dev.octosts.config.Settings;
import picocli.CommandLine.Command;

import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code octo-sts serve}: runs the token service with settings from the environment. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the token service. Settings come from environment variables (see README).")
final class ServeCommand implements Callable<Integer> {

    @Override
    public Integer call() throws InterruptedException {
        Application application;
        try {
            application = Application.start(Settings.fromEnvironment(System.getenv()), Clock.systemUTC());
        } catch (ConfigException e) {
            System.err.println("octo-sts: configuration error: " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            System.err.println("octo-sts: start-up failed: " + ErrorLine.of(e));
            return 1;
        }
        System.out.println("octo-sts listening on " + (application.server().isTls() ? "https" : "http")
                + "://" + application.settings().bindAddress() + ":" + application.server().port());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            application.close();
            stopped.countDown();
        }, "octo-sts-shutdown"));
        stopped.await();
        return 0;
    }
}
