package io.xpu4j.api;

import io.xpu4j.api.spi.MemoryBlock;

import java.lang.foreign.MemorySegment;

/**
 * One device of a backend: {@code cpu:0}, {@code cuda:1}, {@code cann:0}. Owns an allocator and
 * streams. The copy methods are the primitive host/device transfers that tensors build on.
 */
public interface Device {
    /** The backend's id: {@code cpu}, {@code cuda} or {@code cann}. */
    String backendId();

    int index();

    /** A human-readable name, e.g. the GPU model. */
    String name();

    /** {@code backend:index}, e.g. {@code cuda:0}. */
    default String id() {
        return backendId() + ":" + index();
    }

    MemoryInfo memoryInfo();

    Allocator allocator();

    /** The stream ops run on unless told otherwise. */
    Stream defaultStream();

    Stream newStream();

    /** Waits for all work on all of this device's streams. */
    void synchronize();

    /** True when this device's memory blocks carry a host-accessible {@link MemorySegment}. */
    boolean isHostAccessible();

    /** Copies host bytes into device memory (ordered on the default stream). */
    void copyFromHost(MemorySegment src, long srcOffset, MemoryBlock dst, long dstOffset, long bytes);

    /** Copies device memory into host memory; returns once the bytes are in {@code dst}. */
    void copyToHost(MemoryBlock src, long srcOffset, MemorySegment dst, long dstOffset, long bytes);

    /** Copies between two blocks of this device (ordered on the default stream). */
    void copyWithin(MemoryBlock src, long srcOffset, MemoryBlock dst, long dstOffset, long bytes);

    /** Frees device resources. Called by the owning {@link Runtime}. */
    void close();
}
