package io.xpu4j.backend.cann;

import io.xpu4j.api.Config.MatmulPrecision;
import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.util.List;
import java.util.Locale;

/**
 * The {@code cubeMathType} argument of aclnnMm/BatchMatMul/Matmul, chosen per dtype, requested
 * F32 precision and chip.
 *
 * <p>F16/BF16 always use KEEP_DTYPE (the cube unit multiplies them as they are and accumulates in
 * F32). F32 uses KEEP_DTYPE for {@code highest} and ALLOW_FP32_DOWN_PRECISION for {@code high}
 * (HF32 on Atlas A2/A3, FP16 on older chips). The older Atlas training series (Ascend910,
 * 910A, 910ProA/ProB, 910PremiumA) and the Atlas inference series (Ascend310P) reject FP32 with
 * KEEP_DTYPE: there F32 at {@code highest} fails with {@link ErrorCode#UNSUPPORTED_OP} rather than
 * silently losing precision. The kernel stays registered (registration cannot see the config),
 * so the op-fallback policy does not apply to that error.
 *
 * <p>The exact strings {@code aclrtGetSocName} returns are not confirmed in the documentation
 * this backend follows, so chips are matched by prefix; a name that matches none (A2/A3 parts
 * such as {@code Ascend910B3} or {@code Ascend910_9391}, newer or unknown chips, the emulator)
 * is treated as able to compute FP32 exactly, and aclnn reports it if it cannot.
 */
final class CubeMath {
    /** Multiply in the input dtype. */
    static final byte KEEP_DTYPE = 0;
    /** FP32 inputs may become HF32 (Atlas A2/A3) or FP16 (older chips). */
    static final byte ALLOW_FP32_DOWN_PRECISION = 1;

    /** SoC name prefixes (lower case) of chips whose aclnnMatmul rejects FP32 with KEEP_DTYPE. */
    static final List<String> NO_EXACT_FP32_PREFIXES =
            List.of("ascend910a", "ascend910proa", "ascend910prob", "ascend910premiuma", "ascend310p");

    private CubeMath() {
    }

    /** Whether the chip's cube unit multiplies FP32 inputs as FP32 ({@code null}: unknown, assumed yes). */
    static boolean exactFp32(String socName) {
        if (socName == null) {
            return true;
        }
        String s = socName.strip().toLowerCase(Locale.ROOT);
        // plain "Ascend910" is the first training chip; "Ascend910B…" and "Ascend910_93…" are A2/A3
        return !s.equals("ascend910") && NO_EXACT_FP32_PREFIXES.stream().noneMatch(s::startsWith);
    }

    /**
     * The cubeMathType for a matmul of {@code t} on {@code socName}.
     *
     * @throws XpuException {@link ErrorCode#UNSUPPORTED_OP} for F32 at {@code highest} on a chip
     *                      that cannot multiply FP32 exactly
     */
    static byte choose(DType t, MatmulPrecision precision, String socName) {
        if (t != DType.F32) {
            return KEEP_DTYPE;
        }
        if (precision == MatmulPrecision.HIGH) {
            return ALLOW_FP32_DOWN_PRECISION;
        }
        if (!exactFp32(socName)) {
            throw new XpuException(ErrorCode.UNSUPPORTED_OP, "matmul on cann: SoC " + socName
                    + " cannot compute an F32 matmul exactly (its aclnnMatmul rejects FP32 with cubeMathType"
                    + " KEEP_DTYPE) and matmulPrecision is 'highest'; set matmulPrecision: high to allow FP16"
                    + " inputs with F32 accumulation on this chip (HF32 on Atlas A2/A3), or use F16/BF16 tensors");
        }
        return KEEP_DTYPE;
    }
}
