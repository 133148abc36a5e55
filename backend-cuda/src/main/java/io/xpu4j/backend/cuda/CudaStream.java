package io.xpu4j.backend.cuda;

import io.xpu4j.api.Device;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Event;
import io.xpu4j.api.Stream;
import io.xpu4j.api.XpuException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;

/** A {@code CUstream}. The device's default stream lives as long as the device; others until closed. */
final class CudaStream implements Stream {
    private final CudaDevice device;
    private final MemorySegment handle;
    private final boolean deviceDefault;
    private volatile boolean destroyed;

    private CudaStream(CudaDevice device, MemorySegment handle, boolean deviceDefault) {
        this.device = device;
        this.handle = handle;
        this.deviceDefault = deviceDefault;
    }

    static CudaStream create(CudaDevice device, boolean deviceDefault) {
        device.makeCurrent();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            // flags 0: ordered with the legacy default stream too, so nothing can overtake it
            device.check(device.driver.streamCreate(out, 0), "cuStreamCreate");
            return new CudaStream(device, out.get(ADDRESS, 0), deviceDefault);
        }
    }

    MemorySegment handle() {
        if (destroyed) {
            throw new XpuException(ErrorCode.CLOSED, device.id() + ": the stream was closed");
        }
        return handle;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public void synchronize() {
        device.makeCurrent();
        device.check(device.driver.streamSynchronize(handle()), "cuStreamSynchronize");
    }

    @Override
    public Event record() {
        device.makeCurrent();
        CudaEvent e = CudaEvent.create(device);
        device.check(device.driver.eventRecord(e.handle(), handle()), "cuEventRecord");
        return e;
    }

    @Override
    public void waitFor(Event event) {
        if (event instanceof CudaEvent ce) {
            device.makeCurrent();
            device.check(device.driver.streamWaitEvent(handle(), ce.handle(), 0), "cuStreamWaitEvent");
        } else {
            event.synchronize(); // another backend's event: wait on the host
        }
    }

    /** Closing the device's default stream does nothing; the device destroys it when it closes. */
    @Override
    public void close() {
        if (!deviceDefault) {
            destroy();
        }
    }

    synchronized void destroy() {
        if (destroyed) {
            return;
        }
        boolean released = device.releaseIfOpen(() -> {
            device.check(device.driver.streamSynchronize(handle), "cuStreamSynchronize (closing)");
            destroyed = true;
            device.check(device.driver.streamDestroy(handle), "cuStreamDestroy_v2");
        });
        if (!released) {
            destroyed = true; // the device closed first: its context reset destroyed the stream
        }
    }
}
