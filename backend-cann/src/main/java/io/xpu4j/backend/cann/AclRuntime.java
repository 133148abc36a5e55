package io.xpu4j.backend.cann;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The process-wide AscendCL state: bound libraries, {@code aclInit} (once per process,
 * tolerating {@code ACL_ERROR_REPEAT_INITIALIZE}), the per-thread current device, and
 * {@code aclFinalize} in a shutdown hook. {@code aclFinalize} is not called when the last device
 * closes: a later runtime in the same process would need {@code aclInit} again, which older CANN
 * versions refuse, so the process keeps AscendCL initialised until it exits.
 *
 * <p>A failure classified as {@link ErrorCode#DEVICE_LOST} marks the runtime lost; the backend
 * then reports itself unavailable, so a new {@code Runtime} takes its configured fallback.
 */
final class AclRuntime {
    private static volatile AclRuntime shared;

    final Acl acl;
    final AclnnOps ops;
    final String problem;
    final int deviceCount;
    final String socName;
    private final ThreadLocal<int[]> currentDevice = ThreadLocal.withInitial(() -> new int[]{-1});
    private volatile String lostReason;
    private volatile boolean finalized;

    static AclRuntime shared() {
        AclRuntime r = shared;
        if (r == null) {
            synchronized (AclRuntime.class) {
                if (shared == null) {
                    shared = new AclRuntime(AclLibraries.fromEnvironment(), true);
                }
                r = shared;
            }
        }
        return r;
    }

    /** Binds {@code libs} and, when they bind, initialises AscendCL. Never throws. */
    AclRuntime(AclLibraries libs, boolean finalizeAtExit) {
        Acl.Binding b;
        try {
            b = Acl.bind(libs);
        } catch (RuntimeException | LinkageError e) {
            b = new Acl.Binding(null, "binding AscendCL failed: " + e);
        }
        Acl a = b.acl();
        String why = b.problem();
        AclnnOps o = null;
        int count = 0;
        String soc = null;
        if (a != null) {
            try {
                int rc = a.aclInit(MemorySegment.NULL);
                if (rc != 0 && rc != AclErrors.ACL_ERROR_REPEAT_INITIALIZE) {
                    why = "aclInit returned " + rc + " " + AclErrors.name(rc) + ": " + a.recentErrMsg();
                } else {
                    if (finalizeAtExit) {
                        Acl fin = a;
                        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                            finalized = true;
                            fin.aclFinalize();
                        }, "xpu4j-cann-finalize"));
                    }
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment n = arena.allocate(JAVA_INT);
                        rc = a.call("aclrtGetDeviceCount", n);
                        if (rc != 0) {
                            why = "aclrtGetDeviceCount returned " + rc + " " + AclErrors.name(rc) + ": " + a.recentErrMsg();
                        } else {
                            count = n.get(JAVA_INT, 0);
                            if (count <= 0) {
                                why = "AscendCL found no NPU (aclrtGetDeviceCount = 0)";
                            }
                        }
                    }
                    soc = a.socName();
                    o = new AclnnOps(libs);
                }
            } catch (RuntimeException | LinkageError e) {
                why = "initialising AscendCL failed: " + e;
            }
        }
        this.acl = why == null ? a : null;
        this.ops = o;
        this.problem = why;
        this.deviceCount = count;
        this.socName = soc;
    }

    boolean usable() {
        return problem == null && lostReason == null;
    }

    /** Null while usable, else why not. */
    String unavailableReason() {
        return problem != null ? problem : lostReason;
    }

    /** Whether the SoC name says this is the host-memory ABI emulator rather than an NPU. */
    boolean isEmulator() {
        return socName != null && socName.toLowerCase(Locale.ROOT).contains("emu");
    }

    /** Binds the calling thread to {@code device} ({@code aclrtSetDevice}) unless it already is. */
    void useDevice(int device) {
        int[] cur = currentDevice.get();
        if (cur[0] == device) {
            return;
        }
        checkAlive("cann:" + device);
        check(acl.call("aclrtSetDevice", device), "aclrtSetDevice", "cann:" + device, null);
        cur[0] = device;
    }

    void checkAlive(String device) {
        if (finalized) {
            throw new XpuException(ErrorCode.CLOSED, device + ": AscendCL was finalized (the process is exiting)");
        }
        String lost = lostReason;
        if (lost != null) {
            throw new XpuException(ErrorCode.DEVICE_LOST, device + " is unusable: " + lost, "cann", null, null, null);
        }
    }

    boolean finalized() {
        return finalized;
    }

    /** Throws the mapped {@link XpuException} when {@code rc} is not success. */
    void check(int rc, String function, String device, String context) {
        if (rc == 0) {
            return;
        }
        String recent = acl.recentErrMsg();
        XpuException e = AclErrors.failure(rc, function, device, recent, context);
        if (rc == AclErrors.ACLNN_ERR_RUNTIME_ERROR && function.startsWith("aclnn") && deviceGone()) {
            e = AclErrors.failure(rc, ErrorCode.DEVICE_LOST, function, device, recent,
                    (context == null ? "" : context + "; ") + "the device no longer answers aclrtSynchronizeDevice");
        }
        if (e.code() == ErrorCode.DEVICE_LOST) {
            lostReason = e.getMessage();
        }
        throw e;
    }

    /**
     * An operator reports only that "a runtime call failed" (361001), whether the cause was a
     * passing fault or the device going away. The runtime knows which: when it cannot even
     * synchronize the device, the device is lost.
     */
    private boolean deviceGone() {
        int probe = acl.call("aclrtSynchronizeDevice");
        return probe != 0 && AclErrors.classify(probe, "aclrtSynchronizeDevice") == ErrorCode.DEVICE_LOST;
    }

    // ---- test hooks of the emulator (absent from real CANN) ---------------------------------

    /** {@code xpu4jEmuConfigure(key, value)}; false when the library has no such hook. */
    boolean emulatorConfigure(String key, long value) {
        MethodHandle h = acl.optional("xpu4jEmuConfigure", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        if (h == null) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            return (int) h.invokeExact(arena.allocateFrom(key), value) == 0;
        } catch (Throwable t) {
            throw Acl.rethrow(t);
        }
    }

    /** {@code xpu4jEmuLiveBytes(device)}, or -1 without the hook. */
    long emulatorLiveBytes(int device) {
        MethodHandle h = acl.optional("xpu4jEmuLiveBytes", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
        if (h == null) {
            return -1;
        }
        try {
            return (long) h.invokeExact(device);
        } catch (Throwable t) {
            throw Acl.rethrow(t);
        }
    }

    /** For tests: forget a device loss (after the emulator was told to recover). */
    void clearLost() {
        lostReason = null;
    }
}
