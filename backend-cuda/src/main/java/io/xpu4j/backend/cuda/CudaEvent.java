package io.xpu4j.backend.cuda;

import io.xpu4j.api.Event;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * A {@code CUevent} (created without timing, which makes recording and waiting cheaper). The
 * {@link Event} interface has no close, so the driver object is destroyed when the event becomes
 * unreachable (on the Cleaner's thread, with the device's context made current there; not at all
 * once the device has closed, whose context reset destroyed it).
 */
final class CudaEvent implements Event {
    private static final Cleaner CLEANER = Cleaner.create();

    private final CudaDevice device;
    private final MemorySegment handle;
    private Cleaner.Cleanable destroyer;

    private CudaEvent(CudaDevice device, MemorySegment handle) {
        this.device = device;
        this.handle = handle;
    }

    static CudaEvent create(CudaDevice device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            device.check(device.driver.eventCreate(out, DriverApi.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
            MemorySegment h = out.get(ADDRESS, 0);
            CudaEvent e = new CudaEvent(device, h);
            DriverApi driver = device.driver;
            long address = h.address();
            // the Cleaner's thread has no current context until releaseIfOpen makes one current
            e.destroyer = CLEANER.register(e, () -> device.releaseIfOpen(
                    () -> driver.eventDestroy(MemorySegment.ofAddress(address))));
            return e;
        }
    }

    MemorySegment handle() {
        return handle;
    }

    /** Destroys the driver event now (once) instead of when it becomes unreachable. */
    void destroy() {
        destroyer.clean();
    }

    @Override
    public void synchronize() {
        device.makeCurrent();
        device.check(device.driver.eventSynchronize(handle), "cuEventSynchronize");
    }

    @Override
    public boolean isDone() {
        device.makeCurrent();
        int rc = device.driver.eventQuery(handle);
        if (rc == DriverApi.CUDA_ERROR_NOT_READY) {
            return false;
        }
        device.check(rc, "cuEventQuery");
        return true;
    }
}
