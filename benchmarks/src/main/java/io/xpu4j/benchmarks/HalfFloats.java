package io.xpu4j.benchmarks;

/** Host-side F16 / BF16 bit patterns for the cuBLAS peer's inputs (finite values only). */
final class HalfFloats {
    private HalfFloats() {
    }

    static short[] encode(float[] v, boolean bf16) {
        short[] out = new short[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = bf16 ? toBf16(v[i]) : Float.floatToFloat16(v[i]);
        }
        return out;
    }

    static float[] decode(short[] v, boolean bf16) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = bf16 ? Float.intBitsToFloat((v[i] & 0xFFFF) << 16) : Float.float16ToFloat(v[i]);
        }
        return out;
    }

    /** Round to nearest, ties to even, on the 16 bits dropped. */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }
}
