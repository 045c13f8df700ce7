package dev.octosts.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/** What the end-to-end benchmarks report alike: percentiles, rounding, and the machine they ran on. */
final class Figures {
    private Figures() {
    }

    static double percentileMs(long[] sortedMicros, double p) {
        return sortedMicros[Math.min(sortedMicros.length - 1, (int) Math.ceil(p * sortedMicros.length) - 1)] / 1000.0;
    }

    static double round4(double value) {
        return Math.round(value * 10_000) / 10_000.0;
    }

    static double round3(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    static double round2(double value) {
        return Math.round(value * 100) / 100.0;
    }

    static long memoryMb() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize() >> 20;
    }

    /** Cores, memory, JDK and PostgreSQL version into {@code machine}. */
    static void describeMachine(ObjectNode machine, String postgres) {
        machine.put("cores", Runtime.getRuntime().availableProcessors()).put("memory_mb", memoryMb())
                .put("jdk", System.getProperty("java.version")).put("postgresql", postgres);
    }

    static String postgresVersion(String url) throws Exception {
        try (Connection connection = DriverManager.getConnection(url); Statement sql = connection.createStatement();
             var rows = sql.executeQuery("SHOW server_version")) {
            rows.next();
            return rows.getString(1);
        }
    }
}
