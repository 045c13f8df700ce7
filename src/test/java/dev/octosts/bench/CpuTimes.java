package dev.octosts.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * CPU time in clock ticks: the machine's from {@code /proc/stat} (user, nice, system, idle, iowait, irq,
 * softirq, steal), the service's and this JVM's (simulator, issuer, load generator) from their
 * {@code /proc/PID/stat}. Shows how busy the cores were during a phase, who used them, and how much a
 * virtual machine's host took: stolen time shows up as latency no code of ours causes.
 */
record CpuTimes(long[] machine, long service, long self) {
    /** Linux reports process and machine CPU time in these (USER_HZ, 100 on every architecture we run on). */
    static final int TICKS_PER_SECOND = 100;

    static CpuTimes now(long servicePid) throws IOException {
        String[] fields = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
        long[] machine = new long[8];
        for (int i = 0; i < machine.length; i++) {
            machine[i] = Long.parseLong(fields[i + 1]);
        }
        return new CpuTimes(machine, processTicks(servicePid), processTicks(ProcessHandle.current().pid()));
    }

    /** utime + stime: fields 14 and 15, counted after the command name, which may hold spaces. */
    private static long processTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    CpuTimes minus(CpuTimes earlier) {
        long[] difference = new long[machine.length];
        for (int i = 0; i < machine.length; i++) {
            difference[i] = machine[i] - earlier.machine[i];
        }
        return new CpuTimes(difference, service - earlier.service, self - earlier.self);
    }

    private long total() {
        return Arrays.stream(machine).sum();
    }

    double busy() {
        return 1 - (double) (machine[3] + machine[4]) / total();
    }

    double stolen() {
        return (double) machine[7] / total();
    }

    /** A process's ticks as a share of all the machine's. */
    double share(long processTicks) {
        return (double) processTicks / total();
    }

    /** The service's CPU time in milliseconds. */
    double serviceMillis() {
        return service * 1000.0 / TICKS_PER_SECOND;
    }
}
