package io.xpu4j.backend.cpu;

import io.xpu4j.api.Device;
import io.xpu4j.api.Event;
import io.xpu4j.api.Stream;

/**
 * CPU kernels run on the calling thread (parallelised inside), so work is complete when the
 * call returns: every event is already done and synchronisation has nothing to wait for.
 */
final class CpuStream implements Stream {
    private static final Event DONE = new Event() {
        @Override
        public void synchronize() {
        }

        @Override
        public boolean isDone() {
            return true;
        }
    };

    private final Device device;

    CpuStream(Device device) {
        this.device = device;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public void synchronize() {
    }

    @Override
    public Event record() {
        return DONE;
    }

    @Override
    public void waitFor(Event event) {
        event.synchronize();
    }

    @Override
    public void close() {
    }
}
