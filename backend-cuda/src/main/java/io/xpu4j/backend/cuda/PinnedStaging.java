package io.xpu4j.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * Host-device copies through two page-locked buffers. Java memory (heap arrays or native
 * segments) cannot be handed to DMA directly, so every copy is staged: to the device, a chunk is
 * copied into a pinned buffer and its asynchronous copy queued, while the next chunk fills the
 * other buffer (an event tells when a buffer's last copy has been consumed); to the host, each
 * chunk is copied and the stream synchronised before the bytes are read out.
 */
final class PinnedStaging {
    static final long CHUNK = 8L << 20;

    private final CudaDevice device;
    private final MemorySegment[] buffers = new MemorySegment[2];
    private final CudaEvent[] consumed = new CudaEvent[2];
    private final boolean[] inFlight = new boolean[2];
    private int next;

    PinnedStaging(CudaDevice device) {
        this.device = device;
    }

    private MemorySegment buffer(int i) {
        if (buffers[i] == null) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(ADDRESS);
                device.check(device.driver.memHostAlloc(out, CHUNK, DriverApi.CU_MEMHOSTALLOC_PORTABLE),
                        "cuMemHostAlloc(" + CHUNK + " bytes of pinned staging)");
                buffers[i] = out.get(ADDRESS, 0).reinterpret(CHUNK);
            }
        }
        return buffers[i];
    }

    synchronized void toDevice(MemorySegment src, long srcOffset, long dst, long bytes) {
        MemorySegment stream = device.streamHandle();
        for (long done = 0; done < bytes; done += CHUNK) {
            long n = Math.min(CHUNK, bytes - done);
            int i = next;
            next = 1 - next;
            if (inFlight[i]) {
                consumed[i].synchronize();
                inFlight[i] = false;
            }
            MemorySegment buf = buffer(i);
            MemorySegment.copy(src, srcOffset + done, buf, 0, n);
            device.check(device.driver.memcpyHtoDAsync(dst + done, buf, n, stream),
                    "cuMemcpyHtoDAsync_v2(" + n + " bytes)");
            if (consumed[i] == null) {
                consumed[i] = CudaEvent.create(device);
            }
            device.check(device.driver.eventRecord(consumed[i].handle(), stream), "cuEventRecord (staging)");
            inFlight[i] = true;
        }
    }

    synchronized void toHost(long src, MemorySegment dst, long dstOffset, long bytes) {
        MemorySegment stream = device.streamHandle();
        for (long done = 0; done < bytes; done += CHUNK) {
            long n = Math.min(CHUNK, bytes - done);
            int i = next;
            next = 1 - next;
            MemorySegment buf = buffer(i);
            device.check(device.driver.memcpyDtoHAsync(buf, src + done, n, stream),
                    "cuMemcpyDtoHAsync_v2(" + n + " bytes)");
            // also waits for the earlier uses of both buffers, which are queued before this copy
            device.check(device.driver.streamSynchronize(stream), "cuStreamSynchronize (copy to host)");
            inFlight[0] = false;
            inFlight[1] = false;
            MemorySegment.copy(buf, 0, dst, dstOffset + done, n);
        }
    }

    /** Called with the device synchronised. */
    synchronized void close() {
        for (int i = 0; i < 2; i++) {
            inFlight[i] = false;
            if (consumed[i] != null) {
                consumed[i].destroy();
                consumed[i] = null;
            }
            if (buffers[i] != null) {
                device.check(device.driver.memFreeHost(buffers[i]), "cuMemFreeHost");
                buffers[i] = null;
            }
        }
    }
}
