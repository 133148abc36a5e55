package io.xpu4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The CPU backend's worker pool: {@code threads() - 1} daemon threads named {@code xpu4j-cpu-N}
 * plus the calling thread, which always takes part in the work.
 *
 * <p>A call hands out chunks through an atomic counter: each participant (the caller and every
 * worker) claims chunk indices until none are left, so a worker that wakes late costs nothing
 * (the caller simply runs its chunk). Idle workers spin for a few tens of microseconds (so that
 * back-to-back kernels do not pay a park/unpark each) and then park.
 *
 * <p>Only one call uses the pool at a time. A call made while the pool is busy (a nested call
 * from inside a chunk, a call from a worker thread, or a call from another application thread
 * at the same moment) runs inline on its own thread, which can never deadlock.
 */
final class Parallel {

    /** A body over a contiguous index range {@code [start, end)}. */
    interface RangeBody {
        void run(int start, int end);
    }

    private static final int THREADS = Math.max(1,
            Integer.getInteger("xpu4j.internal.cpuThreads", Runtime.getRuntime().availableProcessors()));
    /** How long an idle worker spins before it parks. */
    private static final long WORKER_SPIN_NANOS = 50_000;
    /** How long the caller spins waiting for the last chunk before it parks. */
    private static final long CALLER_SPIN_NANOS = 200_000;

    private static final Worker[] WORKERS;
    private static final AtomicBoolean BUSY = new AtomicBoolean();
    /** The job being run, or the last one; workers compare it against the last one they saw. */
    private static volatile Job current;

    static {
        WORKERS = new Worker[THREADS - 1];
        for (int i = 0; i < WORKERS.length; i++) {
            Worker w = new Worker("xpu4j-cpu-" + (i + 1));
            WORKERS[i] = w;
            w.start();
        }
    }

    private Parallel() {
    }

    /**
     * Whether the pool's workers may access {@code segment}: false for a segment of a confined
     * arena (only its owner thread may touch it); callers then run on their own thread.
     */
    static boolean accessibleByWorkers(MemorySegment segment) {
        return WORKERS.length == 0 || segment.isAccessibleBy(WORKERS[0]);
    }

    /** Number of threads that take part in a parallel call (workers plus the caller). */
    static int threads() {
        return THREADS;
    }

    /**
     * Splits {@code [0, count)} into at most {@link #threads()} contiguous chunks of nearly equal
     * size, runs them in parallel (the caller runs one itself) and waits for all of them.
     * Exceptions thrown by a chunk are rethrown here.
     */
    static void forRange(int count, RangeBody body) {
        forRange(count, 1, body);
    }

    /**
     * Like {@link #forRange(int, RangeBody)}, but every chunk holds at least {@code minChunk}
     * indices (so small counts run inline on the calling thread).
     */
    static void forRange(int count, int minChunk, RangeBody body) {
        if (count <= 0) {
            return;
        }
        int chunks = Math.min(THREADS, count / Math.max(1, minChunk));
        if (chunks <= 1 || !acquire()) {
            body.run(0, count);
            return;
        }
        try {
            final int n = chunks;
            run(n, i -> body.run((int) ((long) count * i / n), (int) ((long) count * (i + 1) / n)));
        } finally {
            BUSY.set(false);
        }
    }

    /**
     * Runs {@code task.accept(i)} for every {@code i} in {@code [0, tasks)}; tasks are claimed
     * dynamically by the participating threads, so uneven tasks balance.
     */
    static void forTasks(int tasks, IntConsumer task) {
        if (tasks <= 0) {
            return;
        }
        if (tasks == 1 || THREADS == 1 || !acquire()) {
            for (int i = 0; i < tasks; i++) {
                task.accept(i);
            }
            return;
        }
        try {
            run(tasks, task);
        } finally {
            BUSY.set(false);
        }
    }

    private static boolean acquire() {
        if (THREADS == 1 || Thread.currentThread() instanceof Worker) {
            return false;
        }
        return !BUSY.get() && BUSY.compareAndSet(false, true);
    }

    private static void run(int chunks, IntConsumer chunk) {
        Job job = new Job(chunks, chunk, Thread.currentThread());
        current = job;
        for (Worker w : WORKERS) {
            if (w.sleeping) {
                LockSupport.unpark(w);
            }
        }
        job.work();
        job.awaitDone();
        Throwable t = job.error.get();
        if (t != null) {
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new RuntimeException(t);
        }
    }

    private static final class Job {
        final int chunks;
        final IntConsumer chunk;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        volatile boolean callerWaiting;

        Job(int chunks, IntConsumer chunk, Thread caller) {
            this.chunks = chunks;
            this.chunk = chunk;
            this.caller = caller;
        }

        /** Claims and runs chunks until none are left. */
        void work() {
            int i;
            while ((i = next.getAndIncrement()) < chunks) {
                try {
                    if (error.get() == null) {
                        chunk.accept(i);
                    }
                } catch (Throwable t) {
                    error.compareAndSet(null, t);
                }
                if (done.incrementAndGet() == chunks && callerWaiting) {
                    LockSupport.unpark(caller);
                }
            }
        }

        void awaitDone() {
            if (done.get() == chunks) {
                return;
            }
            long start = System.nanoTime();
            int spins = 0;
            while (done.get() != chunks) {
                if ((++spins & 63) == 0 && System.nanoTime() - start > CALLER_SPIN_NANOS) {
                    callerWaiting = true;
                    while (done.get() != chunks) {
                        LockSupport.park(this);
                    }
                    return;
                }
                Thread.onSpinWait();
            }
        }
    }

    private static final class Worker extends Thread {
        volatile boolean sleeping;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        @Override
        public void run() {
            Job seen = null;
            while (true) {
                Job job = current;
                if (job != seen) {
                    seen = job;
                    job.work();
                    continue;
                }
                // idle: spin a while, then park until the next job is published
                long start = System.nanoTime();
                int spins = 0;
                while (current == seen) {
                    if ((++spins & 63) == 0 && System.nanoTime() - start > WORKER_SPIN_NANOS) {
                        sleeping = true;
                        if (current == seen) {
                            LockSupport.park(this);
                        }
                        sleeping = false;
                        start = System.nanoTime();
                        spins = 0;
                    } else {
                        Thread.onSpinWait();
                    }
                }
            }
        }
    }
}
