package dev.octosts.http;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory webhook bodies may take, and who loses it when it runs out. A body must be held whole before
 * its signature can be checked, so every delivery is unverified while it arrives. Three rules keep slow or
 * unsigned senders from holding the memory a signed delivery needs:
 * <ul>
 *   <li>memory is taken as bytes arrive (the buffer doubles from {@link #FIRST_BUFFER}), not from the
 *       declared length: declaring 4 MiB and trickling bytes holds almost nothing;</li>
 *   <li>a body not received whole within {@link #deadline} is cut off (its connection closed): GitHub gives
 *       up on a delivery after 10 s, so a body still arriving after that is not one GitHub waits for;</li>
 *   <li>when the memory is all taken, the oldest bodies still arriving are cut off to make room for a newer
 *       one. A delivery from GitHub arrives in a moment, so it is never the oldest: to keep it out, an
 *       attacker must fill the whole pool again while it arrives, at the speed of the network.</li>
 * </ul>
 * Bodies received whole keep their memory until their delivery is handled; they are never cut off.
 * A body is cut off by interrupting the virtual thread reading it, which closes its socket (as the web
 * server itself does when it stops). Thread-safe.
 */
final class WebhookBodies {
    /** The first buffer of a body; it doubles up to the declared length as bytes arrive. */
    static final int FIRST_BUFFER = 16 * 1024;
    /** How long a body that has to make way is given to let go of its memory before the next one is asked. */
    private static final long RELEASE_WAIT_MILLIS = 100;

    /** A body that was not received whole: cut off, or its sender went away. Its connection must be closed. */
    static final class CutOff extends Exception {
        private static final long serialVersionUID = 1L;

        CutOff(String message) {
            super(message, null, false, false);
        }
    }

    /** No memory for a body's first bytes, even after cutting off every older body still arriving. */
    static final class Busy extends Exception {
        private static final long serialVersionUID = 1L;

        Busy() {
            super("no memory for another webhook body", null, false, false);
        }
    }

    private final Semaphore free;
    private final Duration deadline;
    private final AtomicLong arrivals = new AtomicLong();
    /** Bodies still arriving, oldest first: those that may be cut off. */
    private final ConcurrentSkipListMap<Long, Body> arriving = new ConcurrentSkipListMap<>();

    WebhookBodies(int maxHeldBytes, Duration deadline) {
        this.free = new Semaphore(maxHeldBytes);
        this.deadline = deadline;
    }

    /** Starts receiving one body on the calling thread (the one that will read it); its deadline starts now. */
    Body start() {
        Body body = new Body(arrivals.incrementAndGet(), Thread.currentThread());
        arriving.put(body.arrival, body);
        CompletableFuture.delayedExecutor(deadline.toMillis(), TimeUnit.MILLISECONDS).execute(body::cutOff);
        return body;
    }

    /** One body being received, then held while its delivery is handled; closing it gives its memory back. */
    final class Body implements AutoCloseable {
        private enum State { ARRIVING, CUT_OFF, RECEIVED }

        private final long arrival;
        private final Thread reader;
        private State state = State.ARRIVING;
        private int held;

        private Body(long arrival, Thread reader) {
            this.arrival = arrival;
            this.reader = reader;
        }

        /**
         * Reads exactly {@code length} bytes.
         *
         * @throws Busy   when there is no memory even for the first bytes; nothing was read
         * @throws CutOff when the body did not arrive whole: deadline, memory given to a newer body, or the
         *                sender went away
         */
        byte[] read(InputStream in, int length) throws Busy, CutOff {
            try {
                byte[] buffer = new byte[0];
                if (length > 0) {
                    buffer = grow(buffer, Math.min(length, FIRST_BUFFER));
                    if (buffer == null) {
                        throw new Busy();
                    }
                }
                int filled = 0;
                while (filled < length) {
                    if (filled == buffer.length) {
                        buffer = grow(buffer, (int) Math.min(length, 2L * buffer.length));
                        if (buffer == null) {
                            throw new CutOff("no memory for the rest of the body");
                        }
                    }
                    filled += readSome(in, buffer, filled);
                    checkNotCutOff();
                }
                synchronized (this) {
                    checkNotCutOff();
                    state = State.RECEIVED;
                }
                return buffer;
            } catch (InterruptedException e) {
                // Cut off while waiting for memory.
                throw new CutOff("cut off");
            } finally {
                arriving.remove(arrival);
            }
        }

        private int readSome(InputStream in, byte[] buffer, int offset) throws CutOff {
            int read;
            try {
                read = in.read(buffer, offset, buffer.length - offset);
            } catch (IOException | RuntimeException e) {
                // The web server reports a closed socket as an (unchecked) exception of its own.
                checkNotCutOff();
                throw new CutOff("the sender went away");
            }
            if (read < 0) {
                throw new CutOff("the body ended early");
            }
            return read;
        }

        private synchronized void checkNotCutOff() throws CutOff {
            if (state == State.CUT_OFF) {
                Thread.interrupted();
                throw new CutOff("cut off");
            }
        }

        /** A buffer of {@code capacity} with the bytes of {@code buffer}; null when no memory could be found. */
        private byte[] grow(byte[] buffer, int capacity) throws InterruptedException {
            if (!reserve(capacity)) {
                return null;
            }
            held += capacity;
            byte[] grown = Arrays.copyOf(buffer, capacity);
            free.release(buffer.length);
            held -= buffer.length;
            return grown;
        }

        /** Takes {@code bytes} of memory, cutting off older bodies still arriving when there is not enough. */
        private boolean reserve(int bytes) throws InterruptedException {
            if (free.tryAcquire(bytes)) {
                return true;
            }
            for (Body older : arriving.headMap(arrival).values()) {
                if (older.cutOff() && free.tryAcquire(bytes, RELEASE_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
            return free.tryAcquire(bytes);
        }

        /** Cuts this body off if it is still arriving; whether it was. Called from other threads. */
        private synchronized boolean cutOff() {
            if (state != State.ARRIVING) {
                return false;
            }
            state = State.CUT_OFF;
            // A virtual thread blocked reading a socket closes it when interrupted, and its read fails.
            reader.interrupt();
            return true;
        }

        @Override
        public void close() {
            synchronized (this) {
                if (state == State.ARRIVING) {
                    state = State.RECEIVED;
                }
            }
            arriving.remove(arrival);
            free.release(held);
            held = 0;
        }
    }
}
