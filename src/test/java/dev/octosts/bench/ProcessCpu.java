package dev.octosts.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;

/**
 * CPU time spent by this JVM and by a local PostgreSQL server (its postmaster and every backend), read
 * from {@code /proc}: where a benchmark's time goes when both share the machine. Linux only.
 */
final class ProcessCpu {
    /** Clock ticks per second of {@code /proc/PID/stat}: 100 on every Linux this runs on. */
    private static final double TICKS_PER_SECOND = 100;

    private final long postmasterPid;

    private ProcessCpu(long postmasterPid) {
        this.postmasterPid = postmasterPid;
    }

    /** The server behind {@code jdbcUrl}: the parent of the backend that answers this connection. */
    static ProcessCpu ofServer(String jdbcUrl) throws Exception {
        try (Connection sql = DriverManager.getConnection(jdbcUrl); Statement statement = sql.createStatement();
                ResultSet pid = statement.executeQuery("SELECT pg_backend_pid()")) {
            pid.next();
            return new ProcessCpu(Long.parseLong(stat(pid.getLong(1)).get(1)));
        }
    }

    /** CPU seconds of this JVM so far. */
    static double jvmSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /**
     * CPU seconds of the server so far: the postmaster's own and its ended children's (reaped backends),
     * plus every running backend's.
     */
    double serverSeconds() throws IOException {
        List<String> postmaster = stat(postmasterPid);
        long ticks = 0;
        for (int field = 11; field <= 14; field++) { // utime, stime, cutime, cstime after the pid and name
            ticks += Long.parseLong(postmaster.get(field));
        }
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    List<String> child = stat(Long.parseLong(process.getFileName().toString()));
                    if (Long.parseLong(child.get(1)) == postmasterPid) {
                        ticks += Long.parseLong(child.get(11)) + Long.parseLong(child.get(12));
                    }
                } catch (IOException | RuntimeException ended) {
                    // a process that ended while listed: its time is in the postmaster's cutime now
                }
            }
        }
        return ticks / TICKS_PER_SECOND;
    }

    /** The fields of {@code /proc/PID/stat} after the name: index 0 is the state, 1 the parent pid. */
    private static List<String> stat(long pid) throws IOException {
        String text = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return List.of(text.substring(text.lastIndexOf(')') + 2).split(" "));
    }
}
