package io.xpu4j.backend.cuda;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Event;
import io.xpu4j.api.MemoryStats;
import io.xpu4j.api.Stream;
import io.xpu4j.api.XpuException;
import io.xpu4j.api.spi.MemoryBlock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device layer (context, allocator, staging copies, streams, events, module loading) over
 * {@link FakeCuda}: the real bindings and call sequences, with host memory standing in for the
 * GPU's, so copies can be checked byte for byte and leaks counted.
 */
class FakeDriverDeviceTest {
    private FakeCuda fake;
    private CudaDevice device;

    @BeforeEach
    void open() {
        fake = new FakeCuda();
        device = (CudaDevice) new CudaBackend(fake.loader()).openDevice(0, 0);
    }

    @AfterEach
    void close() {
        device.close();
        assertNull(fake.failure, () -> "a fake driver call threw: " + fake.failure);
        assertEquals(List.of(), fake.contextViolations, "driver calls without a live current context");
        assertTrue(fake.deviceAllocations.isEmpty(), "device memory leaked: " + fake.deviceAllocations.size());
        assertTrue(fake.hostAllocations.isEmpty(), "pinned memory leaked: " + fake.hostAllocations.size());
    }

    @Test
    void describesTheDevice() {
        assertEquals("cuda:0", device.id());
        assertEquals("Fake GPU 0", device.name());
        assertEquals(9, device.ccMajor);
        assertEquals(80L << 30, device.memoryInfo().totalBytes());
        assertEquals(70L << 30, device.memoryInfo().freeBytes());
        assertTrue(fake.calls.contains("cuDevicePrimaryCtxRetain"));
        assertTrue(fake.calls.contains("cuCtxSetCurrent"));
    }

    @Test
    void copiesRoundTripThroughPinnedStaging() {
        // larger than two staging chunks, and not a multiple of one
        int n = (int) (2 * PinnedStaging.CHUNK + 12345);
        byte[] data = new byte[n];
        new Random(1).nextBytes(data);
        MemoryBlock block = device.allocator().allocate(n);
        MemoryBlock other = device.allocator().allocate(n);
        device.copyFromHost(MemorySegment.ofArray(data), 0, block, 0, n);
        device.copyWithin(block, 0, other, 0, n);
        byte[] back = new byte[n];
        device.copyToHost(other, 0, MemorySegment.ofArray(back), 0, n);
        assertArrayEquals(data, back);
        // offsets on both sides
        byte[] part = new byte[100];
        device.copyToHost(block, 7, MemorySegment.ofArray(part), 0, 100);
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 7, 107), part);
        device.allocator().free(block);
        device.allocator().free(other);
    }

    @Test
    void copyOutsideTheBlockIsRefused() {
        MemoryBlock block = device.allocator().allocate(16);
        try (Arena arena = Arena.ofConfined()) {
            XpuException e = assertThrows(XpuException.class,
                    () -> device.copyToHost(block, 0, arena.allocate(1 << 20), 0, 1 << 20));
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        } finally {
            device.allocator().free(block);
        }
    }

    @Test
    void allocatorCachesAndReportsStatistics() {
        MemoryBlock a = device.allocator().allocate(1000);
        device.allocator().free(a);
        MemoryBlock b = device.allocator().allocate(1000);
        MemoryStats s = device.allocator().stats();
        assertEquals(2, s.allocations());
        assertEquals(1, s.driverAllocations(), "the second request is served from the cache");
        assertEquals(1024, s.liveBytes());
        device.allocator().free(b);
        device.allocator().emptyCache();
        assertEquals(0, device.allocator().stats().cachedBytes());
        assertEquals(0, fake.deviceAllocations.size(), "every cached block went back to the driver");
    }

    @Test
    void streamsAndEvents() {
        Stream s = device.newStream();
        Event e = s.record();
        assertTrue(e.isDone());
        e.synchronize();
        device.defaultStream().waitFor(e);
        s.synchronize();
        s.close();
        assertTrue(fake.calls.contains("cuStreamWaitEvent"));
        assertTrue(fake.calls.contains("cuStreamDestroy_v2"));
        XpuException closed = assertThrows(XpuException.class, s::record);
        assertEquals(ErrorCode.CLOSED, closed.code());
        device.defaultStream().close(); // the device's own stream stays usable
        device.defaultStream().synchronize();
        device.synchronize();
    }

    @Test
    void loadsThePackagedPtxAndChecksLaunchParameters() {
        org.junit.jupiter.api.Assumptions.assumeTrue(KernelSources.ptxPackaged(),
                "this build packaged no PTX (no nvcc at build time)");
        try (Arena arena = Arena.ofConfined()) {
            KernelParams good = new KernelParams(arena).pointer(0).i64(0).i32(4).u64(0);
            Launcher.launch(device, "xpu_fill", 1, 256, 0, good);
            assertEquals("xpu_fill", fake.launches.getLast().kernel());
            KernelParams bad = new KernelParams(arena).pointer(0).i64(0).i64(4).u64(0);
            XpuException e = assertThrows(XpuException.class, () -> Launcher.launch(device, "xpu_fill", 1, 256, 0, bad));
            assertEquals(ErrorCode.INTERNAL, e.code());
            assertTrue(e.getMessage().contains("declares parameters of [8, 8, 4, 8] bytes"), e.getMessage());
        }
        assertEquals(1, fake.launches.size(), "the mismatched launch never reached the driver");
    }

    @Test
    void olderGpusCompileTheSourcesWithNvrtc() {
        org.junit.jupiter.api.Assumptions.assumeTrue(KernelSources.ptxPackaged(),
                "the fake NVRTC hands out the packaged PTX as its output");
        FakeCuda old = new FakeCuda();
        old.ccMajor = 7;
        CudaDevice d = (CudaDevice) new CudaBackend(old.loader()).openDevice(0, 0);
        try (Arena arena = Arena.ofConfined()) {
            Launcher.launch(d, "xpu_fill", 1, 256, 0, new KernelParams(arena).pointer(0).i64(0).i32(4).u64(0));
        } finally {
            d.close();
        }
        assertEquals("xpu_fill", old.launches.getLast().kernel());
        assertEquals(List.of("elementwise.cu"), List.copyOf(old.nvrtcPrograms.values()));
        assertEquals(List.of(KernelSources.COMMON_HEADER), old.nvrtcIncludeNames);
        assertEquals(List.of(List.of("--gpu-architecture=compute_70", "-std=c++17")), old.nvrtcOptions);
        assertTrue(old.calls.contains("nvrtcDestroyProgram"));
        assertNull(old.failure, () -> "a fake call threw: " + old.failure);
    }

    @Test
    void driverErrorsCarryNameTextCallAndDevice() {
        XpuException e = assertThrows(XpuException.class, () -> device.check(DriverApi.CUDA_ERROR_OUT_OF_MEMORY,
                "cuMemAlloc_v2(64 bytes)"));
        assertEquals(ErrorCode.OUT_OF_MEMORY, e.code());
        assertEquals("cuda", e.backend());
        assertEquals(2L, e.nativeCode());
        assertTrue(e.getMessage().contains("cuda:0: cuMemAlloc_v2(64 bytes) failed: CUDA_ERROR_OUT_OF_MEMORY"),
                e.getMessage());
        assertEquals("CUDA_ERROR_OUT_OF_MEMORY: fake description of 2", e.nativeMessage());
    }

    @Test
    void anEventReleasedOnAnotherThreadMakesTheContextCurrentThere() throws InterruptedException {
        CudaEvent e = (CudaEvent) device.defaultStream().record();
        // the Cleaner destroys unreachable events on its own thread, which has no current context
        Thread cleaner = new Thread(e::destroy, "cleaner-like");
        cleaner.start();
        cleaner.join();
        assertEquals(List.of(), fake.contextViolations);
        assertTrue(fake.calls.contains("cuEventDestroy_v2"));
    }

    @Test
    void releasesAfterTheDeviceClosedNeverReachTheDriver() {
        Stream s = device.newStream();
        CudaEvent e = (CudaEvent) device.defaultStream().record();
        device.close();
        int released = fake.calls.lastIndexOf("cuDevicePrimaryCtxRelease_v2");
        assertTrue(released >= 0);
        // the context's reset destroyed both; their handles must not reach the driver again
        s.close();
        e.destroy();
        assertEquals(released, fake.calls.size() - 1, () -> "calls after the release: "
                + fake.calls.subList(released + 1, fake.calls.size()));
        XpuException x = assertThrows(XpuException.class, device::synchronize);
        assertEquals(ErrorCode.CLOSED, x.code());
    }

    @Test
    void closeReleasesThePrimaryContextEvenAfterAFault() {
        MemoryBlock block = device.allocator().allocate(100);
        device.allocator().free(block); // cached: freed with cuMemFree_v2 at close
        // a kernel fault is sticky: every later synchronisation reports it
        fake.failWith.put("cuCtxSynchronize", 700);
        XpuException x = assertThrows(XpuException.class, device::close);
        assertTrue(x.getMessage().contains("cuCtxSynchronize (closing)"), x.getMessage());
        assertTrue(fake.calls.contains("cuDevicePrimaryCtxRelease_v2"), "the context is released (and reset)");
        fake.failWith.clear();
        // the reset freed the cached block; the fake does not model that, so free it here
        fake.deviceAllocations.values().forEach(Arena::close);
        fake.deviceAllocations.clear();
    }

    @Test
    void aRejectedPtxIsReportedWithTheJitLog() {
        org.junit.jupiter.api.Assumptions.assumeTrue(KernelSources.ptxPackaged(),
                "this build packaged no PTX (no nvcc at build time)");
        FakeCuda noNvrtc = new FakeCuda();
        NvrtcApi.LIBRARIES.forEach(noNvrtc.missingLibraries::add);
        noNvrtc.jitErrorLog = "ptxas fatal   : Unresolved extern function 'nowhere'";
        CudaDevice d = (CudaDevice) new CudaBackend(noNvrtc.loader()).openDevice(0, 0);
        try (Arena arena = Arena.ofConfined()) {
            XpuException e = assertThrows(XpuException.class, () -> Launcher.launch(d, "xpu_fill", 1, 256, 0,
                    new KernelParams(arena).pointer(0).i64(0).i32(4).u64(0)));
            assertTrue(e.getMessage().contains("elementwise.compute_90.ptx"), e.getMessage());
            assertTrue(e.getMessage().contains("JIT log: ptxas fatal   : Unresolved extern function 'nowhere'"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("CUDA_ERROR_218"), e.getMessage());
        } finally {
            d.close();
        }
        assertNull(noNvrtc.failure, () -> "a fake call threw: " + noNvrtc.failure);
    }
}
