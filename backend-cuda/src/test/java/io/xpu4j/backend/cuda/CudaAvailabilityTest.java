package io.xpu4j.backend.cuda;

import io.xpu4j.api.Availability;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The probe: every missing piece is reported as a reason, and nothing throws or crashes. */
class CudaAvailabilityTest {
    @Test
    void systemProbeNeverThrowsAndGivesAReasonWhenUnavailable() {
        CudaBackend backend = new CudaBackend();
        Availability a = backend.availability();
        System.out.println("cuda backend on this machine: " + a);
        assertFalse(a.reason().isBlank(), "a reason is always given");
        if (!a.available()) {
            assertTrue(backend.devices().isEmpty());
            XpuException e = assertThrows(XpuException.class, () -> backend.openDevice(0, 0));
            assertEquals(ErrorCode.BACKEND_UNAVAILABLE, e.code());
            assertTrue(e.getMessage().contains(a.reason()), e.getMessage());
        }
    }

    @Test
    void missingDriverLibrary() {
        CudaBackend backend = new CudaBackend(name -> Optional.empty());
        Availability a = backend.availability();
        assertFalse(a.available());
        assertEquals("libcuda.so.1 not found (no NVIDIA driver)", a.reason());
    }

    @Test
    void missingDriverSymbolIsNamed() {
        FakeCuda fake = new FakeCuda();
        fake.missingSymbols.add("cuLaunchKernel");
        Availability a = new CudaBackend(fake.loader()).availability();
        assertFalse(a.available());
        assertEquals("libcuda.so.1 has no symbol cuLaunchKernel (needed for cuLaunchKernel)", a.reason());
        assertFalse(fake.calls.contains("cuInit"), "nothing is called before every symbol is bound");
    }

    @Test
    void versionedSymbolIsTheOneLookedUp() {
        FakeCuda fake = new FakeCuda();
        fake.missingSymbols.add("cuMemAlloc_v2");
        Availability a = new CudaBackend(fake.loader()).availability();
        assertEquals("libcuda.so.1 has no symbol cuMemAlloc_v2 (needed for cuMemAlloc)", a.reason());
    }

    @Test
    void olderDriversWithoutTheVersionedEventTimerStillWork() {
        FakeCuda fake = new FakeCuda();
        fake.missingSymbols.add("cuEventElapsedTime_v2");
        assertTrue(new CudaBackend(fake.loader()).availability().available());
    }

    @Test
    void cuInitFailureCarriesTheDriverErrorName() {
        FakeCuda fake = new FakeCuda();
        fake.initResult = DriverApi.CUDA_ERROR_NO_DEVICE;
        Availability a = new CudaBackend(fake.loader()).availability();
        assertFalse(a.available());
        assertTrue(a.reason().startsWith("cuInit failed: CUDA_ERROR_NO_DEVICE"), a.reason());
    }

    @Test
    void zeroDevices() {
        FakeCuda fake = new FakeCuda();
        fake.deviceCount = 0;
        Availability a = new CudaBackend(fake.loader()).availability();
        assertEquals("no CUDA device (cuDeviceGetCount returned 0)", a.reason());
    }

    @Test
    void missingCublasListsTheVersionsTried() {
        FakeCuda fake = new FakeCuda();
        fake.missingLibraries.addAll(CublasApi.LIBRARIES);
        Availability a = new CudaBackend(fake.loader()).availability();
        assertFalse(a.available());
        assertTrue(a.reason().startsWith("libcublas.so.13, libcublas.so.12 not found"), a.reason());
    }

    @Test
    void cublas12IsUsedWhen13IsAbsent() throws Exception {
        FakeCuda fake = new FakeCuda();
        fake.missingLibraries.add("libcublas.so.13");
        NativeLibrary lib = NativeLibrary.openFirst(fake.loader(), CublasApi.LIBRARIES, "");
        assertEquals("libcublas.so.12", lib.fileName());
        assertEquals(12, lib.majorVersion());
        CudaBackend backend = new CudaBackend(fake.loader());
        assertTrue(backend.availability().available(), backend.availability().toString());
        assertTrue(backend.availability().reason().contains("libcublas.so.12"), backend.availability().reason());
    }

    @Test
    void missingNvrtcIsFineWhenPtxWasPackaged() {
        FakeCuda fake = new FakeCuda();
        fake.missingLibraries.addAll(NvrtcApi.LIBRARIES);
        Availability a = new CudaBackend(fake.loader()).availability();
        if (KernelSources.ptxPackaged()) {
            assertTrue(a.available(), a.toString());
        } else {
            assertFalse(a.available());
            assertTrue(a.reason().contains("libnvrtc.so.13, libnvrtc.so.12 not found"), a.reason());
        }
    }

    @Test
    void availableFakeListsItsDevices() {
        FakeCuda fake = new FakeCuda();
        fake.deviceCount = 2;
        CudaBackend backend = new CudaBackend(fake.loader());
        assertTrue(backend.availability().available(), backend.availability().toString());
        assertTrue(backend.availability().reason().startsWith("2 devices, driver API 13.0"),
                backend.availability().reason());
        List<io.xpu4j.api.spi.Backend.DeviceDescription> devices = backend.devices();
        assertEquals(2, devices.size());
        assertEquals("Fake GPU 1", devices.get(1).name());
        assertEquals(80L << 30, devices.get(1).totalMemoryBytes());
        assertEquals("compute capability 9.0, 4 SMs", devices.get(0).details());
        XpuException e = assertThrows(XpuException.class, () -> backend.openDevice(2, 0));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    }

    @Test
    void autoPriorityIsAboveTheOtherBackends() {
        assertTrue(new CudaBackend().autoPriority() > 50, "above cann (50) and cpu (0)");
        assertEquals("cuda", new CudaBackend().id());
    }
}
