package io.xpu4j.api.spi;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContractErrorsTest {
    @Test
    void castMessagesNameTheValueTheDtypesAndTheTargetRange() {
        XpuException e = ContractErrors.castNotAllowed("NaN", DType.F32, DType.I8);
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("cast F32 -> I8: value NaN is not allowed; the target holds whole numbers in [-128, 127]"),
                e.getMessage());
        assertTrue(ContractErrors.castNotAllowed("3e9", DType.F32, DType.I32).getMessage()
                .contains("[-2147483648, 2147483647]"));
    }

    @Test
    void integerRanges() {
        assertEquals(Byte.MIN_VALUE, ContractErrors.minOf(DType.I8));
        assertEquals(Integer.MAX_VALUE, ContractErrors.maxOf(DType.I32));
        assertEquals(Long.MIN_VALUE, ContractErrors.minOf(DType.I64));
        assertEquals(Long.MAX_VALUE, ContractErrors.maxOf(DType.I64));
    }

    @Test
    void divisionByZeroNamesTheDividend() {
        XpuException e = ContractErrors.integerDivisionByZero(DType.I32, "7");
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("div: integer division by zero (I32 dividend 7 / divisor 0)"), e.getMessage());
    }

    @Test
    void positionsAreRowMajor() {
        assertEquals("[1, 2] (flat index 5)", ContractErrors.position(new long[]{2, 3}, 5));
        assertEquals("[0, 0, 0] (flat index 0)", ContractErrors.position(new long[]{1, 4, 2}, 0));
        assertEquals("[3] (flat index 3)", ContractErrors.position(new long[]{4}, 3));
    }
}
