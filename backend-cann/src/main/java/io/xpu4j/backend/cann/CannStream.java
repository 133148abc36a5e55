package io.xpu4j.backend.cann;

import io.xpu4j.api.Device;
import io.xpu4j.api.Event;
import io.xpu4j.api.Stream;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Deque;

import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * An {@code aclrtStream}. It remembers the last few operators enqueued since the previous
 * synchronize, because a kernel fault surfaces only at the next synchronize and the message
 * should still say which operators might have caused it.
 */
final class CannStream implements Stream {
    private static final int REMEMBERED = 8;

    private final CannDevice device;
    private final AclRuntime rt;
    private final MemorySegment handle;
    private final Deque<String> enqueued = new ArrayDeque<>();
    private boolean closed;

    CannStream(CannDevice device, AclRuntime rt) {
        this.device = device;
        this.rt = rt;
        rt.useDevice(device.index());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(ADDRESS);
            rt.check(rt.acl.call("aclrtCreateStream", p), "aclrtCreateStream", device.id(), null);
            handle = p.get(ADDRESS, 0);
        }
    }

    MemorySegment handle() {
        return handle;
    }

    synchronized void noteEnqueued(String what) {
        if (enqueued.size() == REMEMBERED) {
            enqueued.removeFirst();
        }
        enqueued.addLast(what);
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public void synchronize() {
        rt.useDevice(device.index());
        String context;
        synchronized (this) {
            context = enqueued.isEmpty() ? null : "stream work enqueued since the last synchronize: " + enqueued;
            enqueued.clear();
        }
        rt.check(rt.acl.call("aclrtSynchronizeStream", handle), "aclrtSynchronizeStream", device.id(), context);
    }

    @Override
    public Event record() {
        return new CannEvent(this, rt);
    }

    @Override
    public void waitFor(Event event) {
        if (!(event instanceof CannEvent e)) {
            // an event of another backend: the host waits for it instead of the device
            event.synchronize();
            return;
        }
        rt.useDevice(device.index());
        rt.check(rt.acl.call("aclrtStreamWaitEvent", handle, e.handle()), "aclrtStreamWaitEvent", device.id(), null);
    }

    boolean isDefault() {
        return device.defaultStream() == this;
    }

    @Override
    public synchronized void close() {
        if (closed || isDefault()) {
            return;
        }
        try {
            closeNow();
        } finally {
            device.forget(this);
        }
    }

    synchronized void closeNow() {
        if (closed) {
            return;
        }
        closed = true;
        if (rt.finalized()) {
            return;
        }
        try {
            synchronize();
        } finally {
            rt.check(rt.acl.call("aclrtDestroyStream", handle), "aclrtDestroyStream", device.id(), null);
        }
    }
}
