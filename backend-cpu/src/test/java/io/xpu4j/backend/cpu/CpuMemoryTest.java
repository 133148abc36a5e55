package io.xpu4j.backend.cpu;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;
import io.xpu4j.api.spi.MemoryBlock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both ways of getting aligned host memory: aligned_alloc, and malloc cut to alignment (Windows). */
class CpuMemoryTest {
    private static final long[] SIZES = {1, 7, 63, 64, 65, 1000, 4096, (1 << 20) + 3};

    @ParameterizedTest(name = "alignedAlloc={0}")
    @ValueSource(booleans = {true, false})
    void blocksAreAlignedWholeAndApart(boolean alignedAlloc) {
        CpuMemory memory = new CpuMemory(alignedAlloc);
        List<MemoryBlock> blocks = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (long bytes : SIZES) {
                MemoryBlock b = memory.allocate(bytes);
                assertEquals(0, b.address() % 64, "block of " + bytes + " bytes at " + Long.toHexString(b.address()));
                assertTrue(b.size() >= bytes && b.size() % 64 == 0, "size " + b.size() + " for " + bytes + " bytes");
                assertEquals(b.size(), b.hostSegment().byteSize());
                blocks.add(b);
            }
        }
        // every block filled with its own byte: an overlap, or a free() pointer written into a
        // block, shows up as a wrong byte when all are read back
        for (int i = 0; i < blocks.size(); i++) {
            blocks.get(i).hostSegment().fill((byte) (i + 1));
        }
        for (int i = 0; i < blocks.size(); i++) {
            var s = blocks.get(i).hostSegment();
            for (long off = 0; off < s.byteSize(); off += Math.max(1, s.byteSize() / 97)) {
                assertEquals((byte) (i + 1), s.get(ValueLayout.JAVA_BYTE, off), "block " + i + " at byte " + off);
            }
            assertEquals((byte) (i + 1), s.get(ValueLayout.JAVA_BYTE, s.byteSize() - 1), "block " + i + " last byte");
        }
        for (MemoryBlock b : blocks) {
            memory.free(b);
        }
    }

    @ParameterizedTest(name = "alignedAlloc={0}")
    @ValueSource(booleans = {true, false})
    void anImpossibleSizeIsOutOfMemoryAndTheAllocatorStaysUsable(boolean alignedAlloc) {
        CpuMemory memory = new CpuMemory(alignedAlloc);
        XpuException e = assertThrows(XpuException.class, () -> memory.allocate(1L << 62));
        assertEquals(ErrorCode.OUT_OF_MEMORY, e.code());
        assertTrue(e.getMessage().contains("could not allocate " + (1L << 62)), e.getMessage());
        MemoryBlock b = memory.allocate(128);
        b.hostSegment().fill((byte) 3);
        assertEquals(3, b.hostSegment().get(ValueLayout.JAVA_BYTE, 127));
        memory.free(b);
    }
}
