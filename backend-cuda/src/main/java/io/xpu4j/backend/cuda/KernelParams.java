package io.xpu4j.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The {@code void** kernelParams} of {@code cuLaunchKernel}: one pointer per kernel parameter, in
 * declaration order, each to a copy of the value (the driver copies the values at launch, so the
 * arena may close once the launch call returns). Methods are named after the C parameter type.
 */
final class KernelParams {
    private final Arena arena;
    private final List<MemorySegment> values = new ArrayList<>();

    KernelParams(Arena arena) {
        this.arena = arena;
    }

    /** A device pointer ({@code T*}, 8 bytes). */
    KernelParams pointer(long deviceAddress) {
        return add(arena.allocate(JAVA_LONG), JAVA_LONG, deviceAddress);
    }

    /**
     * The layout structs of an elementwise kernel: the merged dims, then one strides struct per
     * operand, in the order the operands were given to {@link TensorLayouts#merge}.
     */
    KernelParams layout(TensorLayouts.Merged m) {
        struct(TensorLayouts.dims(arena, m.shape()));
        for (long[] strides : m.strides()) {
            struct(TensorLayouts.strides(arena, strides));
        }
        return this;
    }

    /** {@code long long} ({@code i64}). */
    KernelParams i64(long v) {
        return add(arena.allocate(JAVA_LONG), JAVA_LONG, v);
    }

    /** {@code unsigned long long} ({@code u64}), the same bits. */
    KernelParams u64(long bits) {
        return i64(bits);
    }

    KernelParams i32(int v) {
        MemorySegment s = arena.allocate(JAVA_INT);
        s.set(JAVA_INT, 0, v);
        values.add(s);
        return this;
    }

    KernelParams f32(float v) {
        MemorySegment s = arena.allocate(JAVA_FLOAT);
        s.set(JAVA_FLOAT, 0, v);
        values.add(s);
        return this;
    }

    KernelParams f64(double v) {
        MemorySegment s = arena.allocate(JAVA_DOUBLE);
        s.set(JAVA_DOUBLE, 0, v);
        values.add(s);
        return this;
    }

    /** A struct passed by value (e.g. {@link TensorLayouts#dims}); its bytes as laid out for the device. */
    KernelParams struct(MemorySegment bytes) {
        values.add(bytes);
        return this;
    }

    private KernelParams add(MemorySegment s, ValueLayout.OfLong layout, long v) {
        s.set(layout, 0, v);
        values.add(s);
        return this;
    }

    int count() {
        return values.size();
    }

    /** Each parameter's size in bytes, in order (compared with the kernel's PTX declaration). */
    List<Integer> sizes() {
        return values.stream().map(v -> (int) v.byteSize()).toList();
    }

    /** The array of pointers to hand to cuLaunchKernel. */
    MemorySegment pack() {
        MemorySegment array = arena.allocate(ADDRESS, Math.max(values.size(), 1));
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(ADDRESS, i, values.get(i));
        }
        return array;
    }
}
