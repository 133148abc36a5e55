package io.xpu4j.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The device-side error flag of kernels that validate data (integer division by zero, casts that
 * do not fit, embedding ids): {@code struct ErrorRecord { int code; int pad; long long index;
 * long long ivalue; double fvalue; }} in {@code xpu4j_common.cuh}. It is cleared before such a
 * kernel and read back (synchronously) after it.
 */
final class DeviceErrorRecord {
    static final long BYTES = 32;
    static final int INT_DIV_ZERO = 1;
    static final int CAST_FLOAT_TO_INT = 2;
    static final int CAST_INT_NARROW = 3;
    static final int EMBEDDING_ID = 4;

    /** A failure a kernel reported: code 0 means none. */
    record Failure(int code, long index, long intValue, double floatValue) {
        boolean any() {
            return code != 0;
        }
    }

    private final CudaDevice device;
    private long address;

    DeviceErrorRecord(CudaDevice device) {
        this.device = device;
    }

    /** Device address of a cleared record, for a kernel that validates its data. */
    synchronized long cleared() {
        device.zero(address(), BYTES);
        return address;
    }

    /**
     * Device address of the record, not cleared: for a launch of a validating kernel with
     * arguments it never reports on (e.g. a float division), which costs no extra driver call.
     */
    synchronized long address() {
        if (address == 0) {
            address = device.scratchAllocate(BYTES, "the kernel error record");
        }
        return address;
    }

    /** Waits for the kernel and reads what it reported. */
    synchronized Failure read() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(BYTES, 8);
            device.copyToHost(new io.xpu4j.api.spi.MemoryBlock(address, BYTES, null), 0, host, 0, BYTES);
            return decode(host);
        }
    }

    static Failure decode(MemorySegment record) {
        return new Failure(record.get(JAVA_INT, 0), record.get(JAVA_LONG, 8), record.get(JAVA_LONG, 16),
                record.get(JAVA_DOUBLE, 24));
    }

    synchronized void close() {
        if (address != 0) {
            device.scratchFree(address, "the kernel error record");
            address = 0;
        }
    }
}
