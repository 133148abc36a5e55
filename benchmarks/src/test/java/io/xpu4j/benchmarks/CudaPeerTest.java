package io.xpu4j.benchmarks;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cuBLAS peer's host side. Without a GPU the driver binding must fail with a reason that
 * names the missing library, never crash; with one, a round trip through device memory is exact.
 */
class CudaPeerTest {

    private static boolean driverPresent() {
        try {
            SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Test
    void theDriverFailsWithItsReasonOrRoundTripsExactly() {
        if (!driverPresent()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, CudaDriver::get);
            assertTrue(e.getMessage().contains("libcuda.so.1"), e.getMessage());
            // asked again: the same reason, no second attempt that could behave differently
            assertEquals(e.getMessage(), assertThrows(IllegalStateException.class, CudaDriver::get).getMessage());
            IllegalStateException blas = assertThrows(IllegalStateException.class, Cublas::new);
            assertTrue(blas.getMessage().contains("libcuda.so.1"), blas.getMessage());
            return;
        }
        CudaDriver cuda;
        try {
            cuda = CudaDriver.get();
        } catch (IllegalStateException e) {
            // a driver without a usable device: the reason must say which call failed
            assertTrue(e.getMessage().contains("failed") || e.getMessage().contains("could not"), e.getMessage());
            return;
        }
        assertFalse(cuda.deviceName().isBlank());
        float[] h = Data.uniform(11, 1000);
        long a = cuda.upload(h);
        long b = cuda.alloc(4000);
        try {
            cuda.copy(b, a, 4000);
            cuda.synchronize();
            assertArrayEquals(h, cuda.downloadFloats(b, 1000));
        } finally {
            cuda.free(a);
            cuda.free(b);
        }
    }

    @Test
    void halfEncodingRoundsToNearestEven() {
        // 1 + 2⁻⁸ lies halfway between two BF16 values (1 and 1 + 2⁻⁷): ties go to the even one, 1
        assertEquals((short) 0x3F80, HalfFloats.toBf16(1f + 0x1p-8f));
        // 1 + 3·2⁻⁸ lies halfway between 1 + 2⁻⁷ (odd) and 1 + 2⁻⁶ (even)
        assertEquals((short) 0x3F82, HalfFloats.toBf16(1f + 3 * 0x1p-8f));
        assertEquals((short) 0xBF80, HalfFloats.toBf16(-1f));
        float[] v = {0f, 0.5f, -2.25f, 1024f};
        assertArrayEquals(v, HalfFloats.decode(HalfFloats.encode(v, true), true));
        assertArrayEquals(v, HalfFloats.decode(HalfFloats.encode(v, false), false));
        assertEquals(1f + 0x1p-10f, HalfFloats.decode(HalfFloats.encode(new float[]{1f + 0x1p-10f}, false), false)[0]);
    }
}
