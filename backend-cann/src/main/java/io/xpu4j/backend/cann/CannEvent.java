package io.xpu4j.backend.cann;

import io.xpu4j.api.Event;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** An {@code aclrtEvent} recorded on a stream; destroyed when it becomes unreachable. */
final class CannEvent implements Event {
    private static final Cleaner CLEANER = Cleaner.create();

    private final AclRuntime rt;
    private final String device;
    private final int index;
    private final MemorySegment handle;

    CannEvent(CannStream stream, AclRuntime rt) {
        this.rt = rt;
        this.device = stream.device().id();
        this.index = stream.device().index();
        rt.useDevice(index);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(ADDRESS);
            rt.check(rt.acl.call("aclrtCreateEvent", p), "aclrtCreateEvent", device, null);
            handle = p.get(ADDRESS, 0);
        }
        MemorySegment h = handle;
        int index = this.index;
        CLEANER.register(this, () -> {
            if (!rt.finalized()) {
                try {
                    rt.useDevice(index);
                    rt.acl.call("aclrtDestroyEvent", h);
                } catch (RuntimeException ignored) {
                    // a lost device or a finished process: nothing left to release
                }
            }
        });
        rt.check(rt.acl.call("aclrtRecordEvent", handle, stream.handle()), "aclrtRecordEvent", device, null);
    }

    MemorySegment handle() {
        return handle;
    }

    @Override
    public void synchronize() {
        rt.useDevice(index);
        rt.check(rt.acl.call("aclrtSynchronizeEvent", handle), "aclrtSynchronizeEvent", device, null);
    }

    @Override
    public boolean isDone() {
        rt.useDevice(index);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(JAVA_INT);
            rt.check(rt.acl.call("aclrtQueryEventStatus", handle, s), "aclrtQueryEventStatus", device, null);
            return s.get(JAVA_INT, 0) == Acl.EVENT_RECORDED_COMPLETE;
        }
    }
}
