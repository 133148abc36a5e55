package io.xpu4j.backend.cann;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;
import io.xpu4j.api.spi.DeviceMemory;
import io.xpu4j.api.spi.MemoryBlock;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * {@code aclrtMalloc} ({@code ACL_MEM_MALLOC_HUGE_FIRST}) and {@code aclrtFree} under the
 * caching allocator. Blocks carry no host segment: the host cannot address NPU memory.
 *
 * <p>Blocks go back to the driver only from {@code emptyCache}/close; because queued stream
 * work may still use a cached block, the device's stream is synchronized before any free.
 */
final class CannMemory implements DeviceMemory {
    private final CannDevice device;
    private final AclRuntime rt;

    CannMemory(CannDevice device, AclRuntime rt) {
        this.device = device;
        this.rt = rt;
    }

    @Override
    public MemoryBlock allocate(long bytes) {
        rt.useDevice(device.index());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(ADDRESS);
            int rc = rt.acl.call("aclrtMalloc", p, bytes, Acl.MALLOC_HUGE_FIRST);
            if (rc != 0) {
                String text = rt.acl.recentErrMsg();
                XpuException e = AclErrors.failure(rc, "aclrtMalloc", device.id(), text, bytes + " bytes");
                if (e.code() == ErrorCode.DEVICE_LOST) {
                    rt.check(rc, "aclrtMalloc", device.id(), bytes + " bytes");
                }
                // any refusal of aclrtMalloc is reported as out of memory, so the caching
                // allocator releases its cache and retries once
                throw new XpuException(ErrorCode.OUT_OF_MEMORY, device.id() + ": aclrtMalloc of " + bytes
                        + " bytes failed with " + rc + " " + AclErrors.name(rc), "cann", (long) rc, text, null);
            }
            return new MemoryBlock(p.get(ADDRESS, 0).address(), bytes, null);
        }
    }

    @Override
    public void free(MemoryBlock block) {
        if (rt.finalized()) {
            return;
        }
        device.synchronizeQuietly();
        rt.useDevice(device.index());
        rt.check(rt.acl.call("aclrtFree", MemorySegment.ofAddress(block.address())), "aclrtFree", device.id(), null);
    }

    @Override
    public String deviceId() {
        return device.id();
    }
}
