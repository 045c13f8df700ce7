package dev.octosts.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;

/**
 * The attackers' threads. On the internet an attacker's requests are made on the attacker's machines; here
 * they are made on the service's two cores. At {@link Priority#IDLE} every attacker thread lowers its own
 * scheduling priority to the lowest (nice 19) as it starts, so the attacker sends as fast as the CPU the
 * service, PostgreSQL, the GitHub simulator and the legitimate clients leave it allows, and its own cost of
 * making requests stops counting against the legitimate clients; what the service spends on every attack
 * request still does. At {@link Priority#SAME} the attackers compete with everything at the same priority.
 *
 * <p>Linux only: a thread's id is the last part of {@code /proc/thread-self}, and {@code renice -p} of a
 * thread id (util-linux) sets the priority of that one thread.
 */
final class AttackerThreads {
    enum Priority { IDLE, SAME }

    static ThreadFactory factory(Priority priority) {
        ThreadFactory platform = Thread.ofPlatform().name("attacker-", 0).daemon().factory();
        if (priority == Priority.SAME) {
            return platform;
        }
        return task -> platform.newThread(() -> {
            lowerOwnPriority();
            task.run();
        });
    }

    private static void lowerOwnPriority() {
        try {
            String threadId = Path.of("/proc/thread-self").toRealPath().getFileName().toString();
            Process renice = new ProcessBuilder("renice", "-n", "19", "-p", threadId)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (renice.waitFor() != 0) {
                throw new IllegalStateException("renice failed for thread " + threadId);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot lower an attacker thread's priority", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private AttackerThreads() {
    }
}
