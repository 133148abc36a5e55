package io.xpu4j.models.onnx;

import io.xpu4j.api.Config;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Scope;
import io.xpu4j.api.Tensor;
import io.xpu4j.models.ProgressListener;
import io.xpu4j.models.TestModels;
import io.xpu4j.models.embed.KnownModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two real models: what their graphs hold, and that fusion does not change what they compute. */
@SuppressWarnings("try") // scopes free what the test makes without being referenced
class RealModelGraphTest {
    /** Every op type the two exports contain (read from the files with an independent decoder). */
    private static final Set<String> OPS = Set.of("Add", "Cast", "Concat", "Constant", "Div", "Erf", "Gather", "MatMul",
            "Mul", "Pow", "ReduceMean", "Reshape", "Shape", "Slice", "Softmax", "Sqrt", "Sub", "Transpose", "Unsqueeze");

    @Test
    void miniLmGraph() {
        try (OnnxModel m = OnnxModel.read(TestModels.onnx(KnownModel.ALL_MINILM_L6_V2))) {
            assertEquals(11, m.opset());
            assertEquals(6, m.irVersion());
            assertEquals("pytorch", m.producer());
            assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"), m.inputNames());
            assertEquals(List.of("last_hidden_state"), m.outputNames());
            assertEquals(637, m.nodeCount());
            assertEquals(OPS, m.opTypeCounts().keySet());
            assertEquals(48, m.opTypeCounts().get("MatMul"));
            assertEquals(6, m.opTypeCounts().get("Softmax"));
            assertTrue(m.weightBytes() > 90_000_000L, "weights " + m.weightBytes());
            assertTrue(Kernels.SUPPORTED.containsAll(OPS));
        }
    }

    @Test
    void bgeGraph() {
        try (OnnxModel m = OnnxModel.read(TestModels.onnx(KnownModel.BGE_SMALL_EN_V15))) {
            assertEquals(11, m.opset());
            assertEquals(1244, m.nodeCount());
            assertEquals(OPS, m.opTypeCounts().keySet());
            assertEquals(12, m.opTypeCounts().get("Softmax"));
        }
    }

    @Test
    void miniLmFusesEveryLayerNormGeluAndAttentionAndComputesTheSameAsNodeByNode() {
        try (Runtime rt = Runtime.create(Config.builder().backend("cpu").build());
             OnnxModel m = OnnxModel.read(TestModels.onnx(KnownModel.ALL_MINILM_L6_V2))) {
            float[] fused;
            float[] plain;
            try (OnnxSession s = OnnxSession.create(rt, rt.device(), m, ProgressListener.NONE, Set.of())) {
                // 6 layers: 2 LayerNorms each plus the embeddings' one; one GELU and one attention each
                assertEquals(Map.of(Kernels.FUSED_LAYER_NORM, 13, Kernels.FUSED_GELU, 6, Kernels.FUSED_ATTENTION, 6),
                        s.fusedCounts());
                assertTrue(s.stepCount() < 400, s.summary());
                fused = hidden(rt, s);
            }
            try (OnnxSession s = OnnxSession.create(rt, rt.device(), m, ProgressListener.NONE,
                    Set.of(Kernels.FUSED_LAYER_NORM, Kernels.FUSED_GELU, Kernels.FUSED_ATTENTION))) {
                assertEquals(Map.of(), s.fusedCounts());
                plain = hidden(rt, s);
            }
            assertEquals(plain.length, fused.length);
            double max = 0;
            for (int i = 0; i < plain.length; i++) {
                max = Math.max(max, Math.abs(plain[i] - fused[i]));
            }
            // hidden states are O(1); the fused kernels round differently from the node-by-node ops
            assertTrue(max < 1e-4, "max |fused - node by node| = " + max);
            assertEquals(0, rt.device().allocator().stats().liveBytes());
        }
    }

    /** last_hidden_state for two sequences of different length (the second padded). */
    private static float[] hidden(Runtime rt, OnnxSession s) {
        long[] ids = {101, 1996, 4633, 2003, 8403, 2651, 1012, 102, 101, 2002, 5225, 102, 0, 0, 0, 0};
        long[] mask = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0};
        try (Scope scope = rt.scope()) {
            Map<String, Tensor> out = s.run(Map.of("input_ids", rt.ops().tensor(ids, 2, 8),
                    "attention_mask", rt.ops().tensor(mask, 2, 8), "token_type_ids", rt.ops().tensor(new long[16], 2, 8)));
            try {
                Tensor h = out.get("last_hidden_state");
                assertEquals(List.of(2L, 8L, 384L), List.of(h.shape(0), h.shape(1), h.shape(2)));
                float[] all = h.toFloatArray();
                // only real tokens: padded positions are not defined the same way by both paths
                List<Float> real = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    if (mask[i] == 1) {
                        for (int d = 0; d < 384; d++) {
                            real.add(all[i * 384 + d]);
                        }
                    }
                }
                float[] r = new float[real.size()];
                for (int i = 0; i < r.length; i++) {
                    r[i] = real.get(i);
                }
                return r;
            } finally {
                out.values().forEach(Tensor::close);
            }
        }
    }
}
