package io.xpu4j.conformance;

import io.xpu4j.api.DType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks the references themselves against published or hand-computed values, so that a
 * conformance failure points at a kernel and not at the suite.
 */
class ReferenceTest {
    private static final double LN2 = Math.log(2);
    private static final double LN3 = Math.log(3);

    private static void close(double want, double got, double rel) {
        assertTrue(Math.abs(got - want) <= rel * Math.abs(want) + 1e-300,
                () -> "expected " + want + " got " + got + " (rel err " + Math.abs(got - want) / Math.abs(want) + ")");
    }

    private static void close(double[] want, double[] got, double abs) {
        assertEquals(want.length, got.length, "length");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], abs, "element " + i);
        }
    }

    // ---- special functions --------------------------------------------------------------------

    @Test
    void erfMatchesPublishedValues() {
        // Abramowitz & Stegun table 7.1 / DLMF 7.2, to 16 digits
        close(0.5204998778130465, Erf.erf(0.5), 1e-14);
        close(0.1124629160182849, Erf.erf(0.1), 1e-14);
        close(0.8427007929497149, Erf.erf(1), 1e-14);
        close(0.9953222650189527, Erf.erf(2), 1e-14);
        close(0.9995930479825550, Erf.erf(2.5), 1e-14);
        close(0.9999779095030014, Erf.erf(3), 1e-14);
        close(-0.8427007929497149, Erf.erf(-1), 1e-14);
        assertEquals(0.0, Erf.erf(0));
        assertEquals(1.0, Erf.erf(Double.POSITIVE_INFINITY));
        assertEquals(-1.0, Erf.erf(Double.NEGATIVE_INFINITY));
        assertTrue(Double.isNaN(Erf.erf(Double.NaN)));
        // the far tail, where erf rounds to 1, is checked through erfc's relative accuracy
        close(2.2090496998585441e-05, Erf.erfc(3), 1e-13);
        close(1.5374597944280349e-12, Erf.erfc(5), 1e-13);
        close(2.0884875837625448e-45, Erf.erfc(10), 1e-13);
        close(1.8427007929497149, Erf.erfc(-1), 1e-14);
        close(4.069520174449590e-04, Erf.erfc(2.5), 1e-13);
    }

    @Test
    void erfIsContinuousAcrossTheSplitAndMonotone() {
        double below = Erf.erf(Math.nextDown(2.5));
        double above = Erf.erf(2.5);
        assertTrue(Math.abs(above - below) < 1e-15, "jump at 2.5: " + below + " vs " + above);
        double prev = -1;
        for (double x = -6; x <= 6; x += 0.001) {
            double e = Erf.erf(x);
            assertTrue(e >= prev, "erf not monotone at " + x);
            prev = e;
        }
    }

    @Test
    void unaryMathMatchesHandValues() {
        close(0.8413447460685429, Reference.gelu(1), 1e-14);             // Φ(1)
        close(-0.15865525393145707, Reference.gelu(-1), 1e-13);          // -Φ(-1)
        close(-6 * 9.865876450376981e-10, Reference.gelu(-6), 1e-12);        // -6·Φ(-6): no cancellation
        close(0.8411919906082768, Reference.geluTanh(1), 1e-14);
        assertEquals(0.5, Reference.sigmoid(0));
        close(0.75, Reference.sigmoid(LN3), 1e-15);
        close(0.25, Reference.sigmoid(-LN3), 1e-15);
        close(0.75 * LN3, Reference.silu(LN3), 1e-15);
        assertEquals(0.5, Reference.rsqrt(4));
        assertEquals(0.0, Reference.sigmoid(-1000));
        assertEquals(1.0, Reference.sigmoid(1000));
    }

    // ---- elementwise --------------------------------------------------------------------------

    @Test
    void binaryBroadcastsAndDividesIntegersTowardZero() {
        Nd a = Nd.of(new double[]{1, 2}, 2, 1);
        Nd b = Nd.of(new double[]{10, 20, 30}, 3);
        Nd s = Reference.binary("add", a, b, false);
        assertArrayEquals(new long[]{2, 3}, s.shape());
        assertArrayEquals(new double[]{11, 21, 31, 12, 22, 32}, s.data());
        Nd q = Reference.binary("div", Nd.of(new double[]{-7, 7, 7, -7}, 4), Nd.of(new double[]{2, -2, 2, -2}, 4), true);
        assertArrayEquals(new double[]{-3, -3, 3, 3}, q.data());
        assertThrows(ArithmeticException.class,
                () -> Reference.binary("div", Nd.of(new double[]{1}), Nd.of(new double[]{0}), true));
        assertArrayEquals(new double[]{8, 0.5},
                Reference.binary("pow", Nd.of(new double[]{2, 4}, 2), Nd.of(new double[]{3, -0.5}, 2), false).data());
    }

    @Test
    void comparesTreatNaNAndSignedZeroAsIeeeDoes() {
        Nd a = Nd.of(new double[]{Double.NaN, -0.0, 1}, 3);
        Nd b = Nd.of(new double[]{Double.NaN, 0.0, 2}, 3);
        assertArrayEquals(new double[]{0, 1, 0}, Reference.compare("eq", a, b).data());
        assertArrayEquals(new double[]{1, 0, 1}, Reference.compare("ne", a, b).data());
        assertArrayEquals(new double[]{0, 0, 1}, Reference.compare("lt", a, b).data());
        assertArrayEquals(new double[]{0, 1, 1}, Reference.compare("le", a, b).data());
    }

    @Test
    void whereBroadcastsAllThree() {
        Nd c = Nd.of(new double[]{1, 0}, 2, 1);
        Nd x = Nd.of(new double[]{1, 2, 3}, 1, 3);
        Nd y = Nd.of(new double[]{-1});
        Nd w = Reference.where(c, x, y);
        assertArrayEquals(new long[]{2, 3}, w.shape());
        assertArrayEquals(new double[]{1, 2, 3, -1, -1, -1}, w.data());
    }

    // ---- reductions ---------------------------------------------------------------------------

    @Test
    void reductionsOverAxesWithKeepdim() {
        Nd x = Nd.of(new double[]{1, 2, 3, 4, 5, 6}, 2, 3);
        Expected s0 = Reference.reduce("sum", x, new int[]{0}, false);
        assertArrayEquals(new long[]{3}, s0.value().shape());
        assertArrayEquals(new double[]{5, 7, 9}, s0.value().data());
        Expected s1 = Reference.reduce("sum", x, new int[]{-1}, true);
        assertArrayEquals(new long[]{2, 1}, s1.value().shape());
        assertArrayEquals(new double[]{6, 15}, s1.value().data());
        assertArrayEquals(new double[]{21}, Reference.reduce("sum", x, new int[]{}, false).value().data());
        assertArrayEquals(new long[]{}, Reference.reduce("sum", x, new int[]{}, false).value().shape());
        assertArrayEquals(new double[]{2, 5}, Reference.reduce("mean", x, new int[]{1}, false).value().data());
        assertArrayEquals(new double[]{3, 6}, Reference.reduce("max", x, new int[]{1}, false).value().data());
        assertArrayEquals(new double[]{1, 2, 3}, Reference.reduce("min", x, new int[]{0}, false).value().data());
        double[] hundred = new double[100];
        for (int i = 0; i < 100; i++) {
            hundred[i] = i + 1;
        }
        assertEquals(5050, Reference.reduce("sum", Nd.of(hundred, 100), new int[]{}, false).value().data()[0]);
        Nd withNan = Nd.of(new double[]{1, Double.NaN, 3}, 3);
        assertTrue(Double.isNaN(Reference.reduce("max", withNan, new int[]{}, false).value().data()[0]));
        assertTrue(Double.isNaN(Reference.reduce("min", withNan, new int[]{}, false).value().data()[0]));
        Nd empty = Nd.zeros(2, 0);
        assertArrayEquals(new double[]{0, 0}, Reference.reduce("sum", empty, new int[]{1}, false).value().data());
        assertTrue(Double.isNaN(Reference.reduce("mean", empty, new int[]{1}, false).value().data()[0]));
    }

    @Test
    void argmaxTakesTheFirstMaximumAndNaNWins() {
        assertArrayEquals(new double[]{1}, Reference.argmax(Nd.of(new double[]{1, 3, 3}, 3), 0, false).data());
        assertArrayEquals(new double[]{1},
                Reference.argmax(Nd.of(new double[]{1, Double.NaN, 5, Double.NaN}, 4), -1, false).data());
        Nd m = Nd.of(new double[]{1, 5, 3, 2}, 2, 2);
        Nd a0 = Reference.argmax(m, 0, true);
        assertArrayEquals(new long[]{1, 2}, a0.shape());
        assertArrayEquals(new double[]{1, 0}, a0.data());
        assertArrayEquals(new double[]{0}, Reference.argmax(Nd.of(new double[]{7}), 0, false).data());
    }

    // ---- dtype formats and cast ---------------------------------------------------------------

    @Test
    void roundingToEachFormatMatchesHandValues() {
        assertEquals(0.333251953125, Formats.round(1.0 / 3, DType.F16));
        assertEquals(0.333984375, Formats.round(1.0 / 3, DType.BF16));
        assertEquals(0.10000000149011612, Formats.round(0.1, DType.F32));
        assertEquals(65504.0, Formats.round(65519, DType.F16));
        assertEquals(Double.POSITIVE_INFINITY, Formats.round(65520, DType.F16));
        assertEquals(1.1920928955078125e-7, Formats.round(1e-7, DType.F16)); // subnormal: 2 · 2^-24
        assertEquals(0.0, Formats.round(2.9e-8, DType.F16));                // below half of 2^-24
        assertEquals(288.0, Formats.round(300, DType.F8_E4M3));
        assertEquals(448.0, Formats.round(464, DType.F8_E4M3));             // tie, rounds to even 448
        assertTrue(Double.isNaN(Formats.round(465, DType.F8_E4M3)));        // overflow: NaN (no Inf in E4M3)
        assertEquals(448.0, Formats.round(465, DType.F8_E4M3, true));
        assertEquals(-448.0, Formats.round(Double.NEGATIVE_INFINITY, DType.F8_E4M3, true));
        assertEquals(57344.0, Formats.round(61439, DType.F8_E5M2));
        assertEquals(Double.POSITIVE_INFINITY, Formats.round(61440, DType.F8_E5M2));
        assertEquals(57344.0, Formats.round(61440, DType.F8_E5M2, true));
        assertEquals(0x1p-9, Formats.round(0x1p-9, DType.F8_E4M3));          // smallest E4M3 subnormal
        assertEquals(0x1p-16, Formats.round(0x1.2p-16, DType.F8_E5M2));
    }

    @Test
    void roundingAgreesWithTheJdkWhereItIsExact() {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 100_000; i++) {
            double d = Math.scalb(r.nextDouble() * 2 - 1, r.nextInt(-160, 130));
            assertEquals((double) (float) d, Formats.round(d, DType.F32), "F32 of " + d);
            float f = (float) d;
            // float → half is one rounding of an exact float, which the JDK does correctly
            assertEquals((double) Float.float16ToFloat(Float.floatToFloat16(f)), Formats.round(f, DType.F16), "F16 of " + f);
        }
    }

    @Test
    void decodingMatchesTheFormatTables() {
        assertEquals(448.0, Formats.decodeE4M3((byte) 0x7E));
        assertTrue(Double.isNaN(Formats.decodeE4M3((byte) 0x7F)));
        assertTrue(Double.isNaN(Formats.decodeE4M3((byte) 0xFF)));
        assertEquals(0x1p-9, Formats.decodeE4M3((byte) 0x01));
        assertEquals(-1.0, Formats.decodeE4M3((byte) 0xB8));
        assertEquals(57344.0, Formats.decodeE5M2((byte) 0x7B));
        assertEquals(Double.POSITIVE_INFINITY, Formats.decodeE5M2((byte) 0x7C));
        assertEquals(Double.NEGATIVE_INFINITY, Formats.decodeE5M2((byte) 0xFC));
        assertTrue(Double.isNaN(Formats.decodeE5M2((byte) 0x7D)));
        assertEquals(0x1p-16, Formats.decodeE5M2((byte) 0x01));
        assertEquals(1.0, Formats.decodeE5M2((byte) 0x3C));
        assertArrayEquals(new double[]{1.0, -2.0}, Formats.decode(new byte[]{(byte) 0x80, 0x3F, 0x00, (byte) 0xC0}, DType.BF16));
        assertArrayEquals(new double[]{1.0}, Formats.decode(new byte[]{0x00, 0x3C}, DType.F16));
        // every E4M3/E5M2 pattern decodes to a value that rounds back to itself
        for (int b = 0; b < 256; b++) {
            for (DType t : List.of(DType.F8_E4M3, DType.F8_E5M2)) {
                double v = Formats.decode(new byte[]{(byte) b}, t)[0];
                if (!Double.isNaN(v)) {
                    assertEquals(v, Formats.round(v, t), t + " pattern " + b);
                }
            }
        }
    }

    @Test
    void castTruncatesRefusesAndMapsToBool() {
        assertEquals(-2.0, Reference.cast(-2.7, DType.I8, false));
        assertEquals(127.0, Reference.cast(127.9, DType.I8, false));
        assertEquals(-128.0, Reference.cast(-128.9, DType.I8, false));
        assertEquals(0.0, Reference.cast(-0.5, DType.I32, false));
        assertThrows(IllegalArgumentException.class, () -> Reference.cast(-129.0, DType.I8, false));
        assertThrows(IllegalArgumentException.class, () -> Reference.cast(Double.NaN, DType.I32, false));
        assertThrows(IllegalArgumentException.class, () -> Reference.cast(Double.POSITIVE_INFINITY, DType.I64, false));
        assertEquals(1.0, Reference.cast(Double.NaN, DType.BOOL, false));
        assertEquals(0.0, Reference.cast(-0.0, DType.BOOL, false));
        assertEquals(1.0, Reference.cast(-3, DType.BOOL, false));
        // integer to bfloat16 rounds once from the exact value: 2^30 + 2^22 + 1 is just above the tie
        assertEquals(0x1p30 + 0x1p23, Reference.cast(0x1p30 + 0x1p22 + 1, DType.BF16, false));
    }

    @Test
    void fillAndArange() {
        assertArrayEquals(new double[]{0.333251953125, 0.333251953125}, Reference.fill(DType.F16, 1.0 / 3, 2).data());
        assertArrayEquals(new double[]{2.5, 2, 1.5, 1, 0.5, 0, -0.5}, Reference.arange(2.5, -1, -0.5, DType.F32).data());
        assertEquals(0, Reference.arange(0, 0, 1, DType.I64).size());
    }

    // ---- linear algebra -----------------------------------------------------------------------

    @Test
    void matmulByHand() {
        Nd a = Nd.of(new double[]{1, 2, 3, 4}, 2, 2);
        Nd b = Nd.of(new double[]{5, 6, 7, 8}, 2, 2);
        assertArrayEquals(new double[]{19, 22, 43, 50}, NnReference.matmul(a, b, false, false).value().data());
        assertArrayEquals(new double[]{26, 30, 38, 44}, NnReference.matmul(a, b, true, false).value().data());
        assertArrayEquals(new double[]{17, 23, 39, 53}, NnReference.matmul(a, b, false, true).value().data());
        Expected dot = NnReference.matmul(Nd.of(new double[]{1, 2, 3}, 3), Nd.of(new double[]{4, -5, 6}, 3), false, false);
        assertArrayEquals(new long[]{}, dot.value().shape());
        assertEquals(12, dot.value().data()[0]);
        assertEquals(32, dot.scale()[0]); // Σ|terms| = 4 + 10 + 18
        // batch broadcast: [2, 1, 2, 2] · [3, 2, 2] → [2, 3, 2, 2]
        Expected bb = NnReference.matmul(Nd.zeros(2, 1, 2, 2), Nd.zeros(3, 2, 2), false, false);
        assertArrayEquals(new long[]{2, 3, 2, 2}, bb.value().shape());
        // vector · matrix drops the added dim
        assertArrayEquals(new long[]{2}, NnReference.matmul(Nd.of(new double[]{1, 1}, 2), b, false, false).value().shape());
        assertArrayEquals(new double[]{12, 14}, NnReference.matmul(Nd.of(new double[]{1, 1}, 2), b, false, false).value().data());
        // K = 0 gives zeros
        assertArrayEquals(new double[]{0, 0, 0, 0, 0, 0}, NnReference.matmul(Nd.zeros(2, 0), Nd.zeros(0, 3), false, false).value().data());
    }

    @Test
    void linearByHand() {
        Nd x = Nd.of(new double[]{1, 2}, 2);
        Nd w = Nd.of(new double[]{1, 0, 0, 1, 1, 1}, 3, 2);
        Nd b = Nd.of(new double[]{0.5, 0, -1}, 3);
        assertArrayEquals(new double[]{1.5, 2, 2}, NnReference.linear(x, w, b).value().data());
    }

    // ---- neural-network ops -------------------------------------------------------------------

    @Test
    void softmaxByHand() {
        Nd x = Nd.of(new double[]{0, LN2}, 2);
        close(new double[]{1.0 / 3, 2.0 / 3}, NnReference.softmax(x, -1).value().data(), 1e-15);
        close(new double[]{-LN3, LN2 - LN3}, NnReference.logSoftmax(x, 0).value().data(), 1e-15);
        Nd cols = Nd.of(new double[]{0, 0, LN2, LN3}, 2, 2);
        close(new double[]{1.0 / 3, 1.0 / 4, 2.0 / 3, 3.0 / 4}, NnReference.softmax(cols, 0).value().data(), 1e-15);
        // a masked entry gets weight 0 and large logits do not overflow
        close(new double[]{0, 1}, NnReference.softmax(Nd.of(new double[]{Double.NEGATIVE_INFINITY, 1000}, 2), -1).value().data(), 0);
        close(new double[]{1}, NnReference.softmax(Nd.of(new double[]{5}), 0).value().data(), 0);
    }

    @Test
    void normsByHand() {
        Nd x = Nd.of(new double[]{1, 2, 3}, 3);
        double r = 1.2247448713915890; // 1/sqrt(2/3)
        close(new double[]{-r, 0, r}, NnReference.layerNorm(x, null, null, 0).value().data(), 1e-15);
        Nd w = Nd.of(new double[]{2, 2, 2}, 3);
        Nd b = Nd.of(new double[]{1, 1, 1}, 3);
        close(new double[]{1 - 2 * r, 1, 1 + 2 * r}, NnReference.layerNorm(x, w, b, 0).value().data(), 1e-15);
        Nd y = Nd.of(new double[]{3, 4}, 2);
        close(new double[]{0.848528137423857, 1.131370849898476},
                NnReference.rmsNorm(y, Nd.of(new double[]{1, 1}, 2), 0).value().data(), 1e-15);
    }

    @Test
    void embeddingAndConcat() {
        Nd w = Nd.of(new double[]{1, 2, 3, 4, 5, 6}, 3, 2);
        Nd e = NnReference.embedding(w, Nd.of(new double[]{2, 0}, 2));
        assertArrayEquals(new long[]{2, 2}, e.shape());
        assertArrayEquals(new double[]{5, 6, 1, 2}, e.data());
        assertArrayEquals(new long[]{2}, NnReference.embedding(w, Nd.of(new double[]{1})).shape());
        assertThrows(IllegalArgumentException.class, () -> NnReference.embedding(w, Nd.of(new double[]{3}, 1)));
        Nd c0 = NnReference.concat(List.of(Nd.of(new double[]{1, 2}, 1, 2), Nd.of(new double[]{3, 4, 5, 6}, 2, 2)), 0);
        assertArrayEquals(new double[]{1, 2, 3, 4, 5, 6}, c0.data());
        Nd c1 = NnReference.concat(List.of(Nd.of(new double[]{1, 2}, 2, 1), Nd.of(new double[]{3, 4, 5, 6}, 2, 2)), -1);
        assertArrayEquals(new long[]{2, 3}, c1.shape());
        assertArrayEquals(new double[]{1, 3, 4, 2, 5, 6}, c1.data());
    }

    @Test
    void ropeBothLayoutsByHand() {
        double c1 = Math.cos(0.3);
        double s1 = Math.sin(0.3);
        double c2 = Math.cos(0.7);
        double s2 = Math.sin(0.7);
        Nd cos = Nd.of(new double[]{c1, c2}, 1, 2);
        Nd sin = Nd.of(new double[]{s1, s2}, 1, 2);
        Nd x = Nd.of(new double[]{1, 0, 0, 1}, 1, 4);
        // interleaved pairs (x0, x1) and (x2, x3)
        close(new double[]{c1, s1, -s2, c2}, NnReference.rope(x, cos, sin, true).value().data(), 1e-16);
        // half_split pairs (x0, x2) and (x1, x3)
        close(new double[]{c1, -s2, s1, c2}, NnReference.rope(x, cos, sin, false).value().data(), 1e-16);
    }

    @Test
    void attentionByHand() {
        // one query, two keys with scores 0 and ln 2: weights 1/3, 2/3
        Nd q = Nd.of(new double[]{1}, 1, 1, 1, 1);
        Nd k = Nd.of(new double[]{0, LN2}, 1, 1, 2, 1);
        Nd v = Nd.of(new double[]{3, 6}, 1, 1, 2, 1);
        close(5, NnReference.attention(q, k, v, null, false, 1).value().data()[0], 1e-15);
        // decode (Sq = 1 < Sk) with causal sees every key: aligned to the end
        close(5, NnReference.attention(q, k, v, null, true, 1).value().data()[0], 1e-15);
        // causal Sq = Sk = 2: query 0 sees key 0 only
        Nd q2 = Nd.of(new double[]{1, 1}, 1, 1, 2, 1);
        close(new double[]{3, 5}, NnReference.attention(q2, k, v, null, true, 1).value().data(), 1e-15);
        // causal Sq = 2 > Sk = 1: query 0 sees nothing (0), query 1 sees key 0
        Nd k1 = Nd.of(new double[]{0}, 1, 1, 1, 1);
        Nd v1 = Nd.of(new double[]{3}, 1, 1, 1, 1);
        close(new double[]{0, 3}, NnReference.attention(q2, k1, v1, null, true, 1).value().data(), 0);
        // additive mask equal to the scores above, with equal raw scores
        Nd kz = Nd.of(new double[]{0, 0}, 1, 1, 2, 1);
        Nd mask = Nd.of(new double[]{0, LN2}, 2);
        close(5, NnReference.attention(q, kz, v, mask, false, 1).value().data()[0], 1e-15);
        // a fully masked row gives 0
        Nd all = Nd.of(new double[]{Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY}, 2);
        assertEquals(0.0, NnReference.attention(q, kz, v, all, false, 1).value().data()[0]);
        // GQA: two query heads share kv head 0
        Nd qh = Nd.of(new double[]{1, 1}, 1, 2, 1, 1);
        close(new double[]{5, 5}, NnReference.attention(qh, k, v, null, false, 1).value().data(), 1e-15);
    }

    // ---- tolerance ----------------------------------------------------------------------------

    @Test
    void boundsTreatNaNAndInfinityExactly() {
        Tolerance.Bound b = Tolerance.arithmetic(DType.F32);
        assertTrue(b.accepts(Double.NaN, Double.NaN, 0));
        assertFalse(b.accepts(Double.NaN, 1, 0));
        assertFalse(b.accepts(1, Double.NaN, 0));
        assertTrue(b.accepts(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 0));
        assertFalse(b.accepts(Double.POSITIVE_INFINITY, Float.MAX_VALUE, 0));
        assertFalse(b.accepts(Float.MAX_VALUE, Double.POSITIVE_INFINITY, 0));
        assertTrue(Tolerance.exact().accepts(0.0, -0.0, 0));
        assertFalse(Tolerance.exact().accepts(1.0, Math.nextUp(1.0), 0));
        // F16 arithmetic admits one correct rounding but not a truncation by a full ulp
        Tolerance.Bound h = Tolerance.arithmetic(DType.F16);
        assertTrue(h.accepts(1 + 0x1p-11, 1.0, 0));
        assertFalse(h.accepts(1 + 1.9 * 0x1p-11, 1.0, 0));
    }
}
