package io.xpu4j.backend.cuda;

import io.xpu4j.api.Availability;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The native libraries the backend runs on, found and initialised once: the driver (required),
 * cuBLAS (required: {@code matmul}) and NVRTC (required only when the build packaged no PTX).
 * {@link #probe} never throws; everything missing becomes the reason the backend is unavailable.
 */
final class CudaLibraries {
    final DriverApi driver;
    final CublasApi cublas;
    /** Null when NVRTC is not installed and the packaged PTX makes it unnecessary. */
    final NvrtcApi nvrtc;
    final int driverVersion;
    final int deviceCount;

    private CudaLibraries(DriverApi driver, CublasApi cublas, NvrtcApi nvrtc, int driverVersion, int deviceCount) {
        this.driver = driver;
        this.cublas = cublas;
        this.nvrtc = nvrtc;
        this.driverVersion = driverVersion;
        this.deviceCount = deviceCount;
    }

    /** The libraries, or why they cannot be used. */
    record Probe(CudaLibraries libraries, Availability availability) {
    }

    static Probe probe(LibraryLoader loader) {
        try {
            return probeOrThrow(loader);
        } catch (NativeBindingException e) {
            return new Probe(null, Availability.no(e.getMessage()));
        } catch (Throwable t) {
            return new Probe(null, Availability.no("the CUDA probe failed: " + t));
        }
    }

    private static Probe probeOrThrow(LibraryLoader loader) throws NativeBindingException {
        NativeLibrary cuda = NativeLibrary.openFirst(loader, List.of(DriverApi.LIBRARY), " (no NVIDIA driver)");
        DriverApi driver = new DriverApi(cuda);
        int rc = driver.init(0);
        if (rc != DriverApi.CUDA_SUCCESS) {
            String text = driver.errorString(rc);
            return new Probe(null, Availability.no("cuInit failed: " + driver.errorName(rc)
                    + (text.isEmpty() ? "" : " (" + text + ")")));
        }
        int version;
        int count;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            driver.check(driver.driverGetVersion(out), "cuDriverGetVersion", "cuda");
            version = out.get(JAVA_INT, 0);
            rc = driver.deviceGetCount(out);
            if (rc != DriverApi.CUDA_SUCCESS) {
                return new Probe(null, Availability.no("cuDeviceGetCount failed: " + driver.errorName(rc)));
            }
            count = out.get(JAVA_INT, 0);
        }
        if (count == 0) {
            return new Probe(null, Availability.no("no CUDA device (cuDeviceGetCount returned 0)"));
        }
        CublasApi cublas = new CublasApi(NativeLibrary.openFirst(loader, CublasApi.LIBRARIES,
                " (cuBLAS is needed for matmul; install the CUDA toolkit's cuBLAS)"));
        NvrtcApi nvrtc = null;
        NativeBindingException nvrtcMissing = null;
        try {
            nvrtc = new NvrtcApi(NativeLibrary.openFirst(loader, NvrtcApi.LIBRARIES, ""));
        } catch (NativeBindingException e) {
            nvrtcMissing = e;
        }
        if (nvrtc == null && !KernelSources.ptxPackaged()) {
            return new Probe(null, Availability.no("this build packaged no PTX (nvcc was absent) and NVRTC is missing: "
                    + nvrtcMissing.getMessage()));
        }
        CudaLibraries libs = new CudaLibraries(driver, cublas, nvrtc, version, count);
        return new Probe(libs, Availability.yes(libs.describe()));
    }

    String describe() {
        return count(deviceCount) + ", driver API " + driverVersion / 1000 + "." + (driverVersion % 1000) / 10
                + ", " + cublas.fileName() + (nvrtc != null ? ", " + nvrtc.fileName() : "")
                + (KernelSources.ptxPackaged() ? ", PTX packaged" : ", kernels compiled by NVRTC");
    }

    private static String count(int n) {
        return n + (n == 1 ? " device" : " devices");
    }
}
