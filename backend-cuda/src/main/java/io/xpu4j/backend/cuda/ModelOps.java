package io.xpu4j.backend.cuda;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import io.xpu4j.api.spi.ContractErrors;

import java.lang.foreign.Arena;
import java.util.List;

/** rope, embedding and attention on the kernels of {@code nn.cu}. */
final class ModelOps {
    /** Static shared memory of xpu_attention besides q and the accumulator (sc, red, redd). */
    static final int ATTENTION_STATIC_SHARED = Launcher.ATTENTION_THREADS * (4 + 4 + 8);
    /** Shared memory a block may use without opting in to more. */
    static final int SHARED_LIMIT = 48 * 1024;

    private ModelOps() {
    }

    static void register(KernelRegistry r) {
        for (DType t : ElementwiseOps.FLOAT) {
            r.register("cuda", "rope", List.of(t, DType.F32, DType.F32), List.of(t), ModelOps::rope);
            r.register("cuda", "attention", List.of(t, t, t), List.of(t), ModelOps::attention);
            r.register("cuda", "attention", List.of(t, t, t, t), List.of(t), ModelOps::attention);
        }
        for (DType w : DType.values()) {
            for (DType id : List.of(DType.I32, DType.I64)) {
                r.register("cuda", "embedding", List.of(w, id), List.of(w), ModelOps::embedding);
            }
        }
    }

    static void rope(KernelCall c) {
        Tensor x = c.input(0);
        Tensor cos = c.input(1);
        Tensor sin = c.input(2);
        Tensor out = c.output();
        boolean interleaved = switch (c.attrs().getString("layout")) {
            case "interleaved" -> true;
            case "half_split" -> false;
            default -> throw new XpuException(ErrorCode.INVALID_ARGUMENT, "rope: layout '"
                    + c.attrs().getString("layout") + "' is not known; allowed: interleaved, half_split");
        };
        long seq = x.shape(-2);
        long d = x.shape(-1);
        long rows = x.numel() / d;
        try (Arena arena = Arena.ofConfined()) {
            Launcher.elementwise(ElementwiseOps.device(c), "xpu_rope", rows * (d / 2), new KernelParams(arena)
                    .pointer(x.address())
                    .pointer(cos.address())
                    .pointer(sin.address())
                    .pointer(out.address())
                    .i64(rows)
                    .i64(seq)
                    .i64(d)
                    .i64(cos.stride(0))
                    .i64(cos.stride(1))
                    .i64(sin.stride(0))
                    .i64(sin.stride(1))
                    .i32(DTypeCodes.code(x.dtype()))
                    .i32(interleaved ? 1 : 0));
        }
    }

    static void embedding(KernelCall c) {
        Tensor weight = c.input(0);
        Tensor ids = c.input(1);
        Tensor out = c.output();
        CudaDevice d = ElementwiseOps.device(c);
        long vocab = weight.shape(0);
        long dim = weight.shape(1);
        long n = ids.numel();
        synchronized (d.errors) {
            try (Arena arena = Arena.ofConfined()) {
                long err = d.errors.cleared();
                Launcher.elementwise(d, "xpu_embedding", n * dim, new KernelParams(arena)
                        .pointer(weight.address())
                        .pointer(ids.address())
                        .pointer(out.address())
                        .i64(n)
                        .i64(dim)
                        .i64(vocab)
                        .i32(weight.dtype().byteSize())
                        .i32(ids.dtype() == DType.I64 ? 1 : 0)
                        .pointer(err));
            }
            DeviceErrorRecord.Failure f = d.errors.read();
            if (f.any()) {
                throw ContractErrors.embeddingIdOutOfRange(f.intValue(), f.index(), ids, weight);
            }
        }
    }

    static void attention(KernelCall c) {
        Tensor q = c.input(0);
        Tensor k = c.input(1);
        Tensor v = c.input(2);
        boolean hasMask = c.attrs().has("hasMask") ? c.attrs().getBool("hasMask") : c.inputs().size() > 3;
        Tensor mask = hasMask ? c.input(3) : null;
        Tensor out = c.output();
        long b = q.shape(0);
        long hq = q.shape(1);
        long sq = q.shape(2);
        long dk = q.shape(3);
        long hkv = k.shape(1);
        long sk = k.shape(2);
        long dv = v.shape(3);
        int dynamicShared = Math.toIntExact(4 * (dk + dv));
        if (dynamicShared + ATTENTION_STATIC_SHARED > SHARED_LIMIT) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "attention on cuda: head dims D=" + dk + ", Dv=" + dv
                    + " need " + dynamicShared + " bytes of shared memory per block; the kernel supports D + Dv <= "
                    + (SHARED_LIMIT - ATTENTION_STATIC_SHARED) / 4);
        }
        long[] ms = mask == null ? new long[4] : mask.strides();
        try (Arena arena = Arena.ofConfined()) {
            Launcher.rows(ElementwiseOps.device(c), "xpu_attention", b * hq * sq, Launcher.ATTENTION_THREADS,
                    dynamicShared, new KernelParams(arena)
                            .pointer(q.address())
                            .pointer(k.address())
                            .pointer(v.address())
                            .pointer(mask == null ? 0 : mask.address())
                            .pointer(out.address())
                            .i64(b)
                            .i64(hq)
                            .i64(hkv)
                            .i64(sq)
                            .i64(sk)
                            .i64(dk)
                            .i64(dv)
                            .i64(ms[0])
                            .i64(ms[1])
                            .i64(ms[2])
                            .i64(ms[3])
                            .f32((float) c.attrs().getDouble("scale"))
                            .i32(c.attrs().getBool("causal") ? 1 : 0)
                            .i32(hasMask ? 1 : 0)
                            .i32(DTypeCodes.code(q.dtype())));
        }
    }
}
