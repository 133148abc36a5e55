package io.xpu4j.models.onnx;

import io.xpu4j.api.DType;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Tensor;

/**
 * The values of one run (or of constant folding at load time): each slot holds a device
 * {@link Tensor}, a {@link HostArray}, or null. Host values reach device ops through
 * {@link #tensor}; device values reach host-side shape logic through {@link #host}.
 */
final class Exec {
    /** Thrown during constant folding when a step would need the device; the step is then kept. */
    static final class NeedsDevice extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NeedsDevice() {
            super(null, null, false, false);
        }
    }

    /** Device copies of the session's host constants, made once. */
    interface ConstUploads {
        /** The device copy of constant {@code id} as {@code dtype}, or null when {@code id} is not a constant. */
        Tensor get(int id, HostArray value, DType dtype);
    }

    final Ops ops;
    final long opset;
    final Object[] vals;
    private final boolean hostOnly;
    private final ConstUploads consts;

    Exec(Ops ops, long opset, Object[] vals, ConstUploads consts) {
        this.ops = ops;
        this.opset = opset;
        this.vals = vals;
        this.hostOnly = ops == null;
        this.consts = consts;
    }

    boolean isHost(int id) {
        return vals[id] instanceof HostArray;
    }

    boolean present(int id) {
        return id != Step.NONE && vals[id] != null;
    }

    /** The value's shape. */
    long[] shape(int id) {
        Object v = vals[id];
        return v instanceof HostArray h ? h.shape.clone() : ((Tensor) v).shape();
    }

    /** The value's ONNX element type. */
    int type(int id) {
        Object v = vals[id];
        return v instanceof HostArray h ? h.type : OnnxTypes.of(((Tensor) v).dtype());
    }

    /** The value on the host (read back from the device when it lives there; it must be small). */
    HostArray host(int id) {
        Object v = vals[id];
        if (v instanceof HostArray h) {
            return h;
        }
        if (hostOnly) {
            throw new NeedsDevice();
        }
        Tensor t = (Tensor) v;
        return HostArray.download(t, OnnxTypes.of(t.dtype()));
    }

    /** The value as a device tensor in its own dtype (host values are uploaded). */
    Tensor tensor(int id) {
        Object v = vals[id];
        if (v instanceof Tensor t) {
            return t;
        }
        HostArray h = (HostArray) v;
        return tensor(id, OnnxTypes.dtype(h.type, "a value"));
    }

    /**
     * The value as a device tensor; a host value is uploaded as {@code dtype} (a constant once per
     * session, other host values per run). A device value is returned as it is.
     */
    Tensor tensor(int id, DType dtype) {
        Object v = vals[id];
        if (v instanceof Tensor t) {
            return t;
        }
        if (hostOnly) {
            throw new NeedsDevice();
        }
        HostArray h = (HostArray) v;
        Tensor c = consts == null ? null : consts.get(id, h, dtype);
        return c != null ? c : h.upload(ops, dtype);
    }

    /** A host value uploaded for this run only (not cached). */
    Tensor upload(HostArray h, DType dtype) {
        if (hostOnly) {
            throw new NeedsDevice();
        }
        return h.upload(ops, dtype);
    }

    void put(int id, Object value) {
        vals[id] = value;
    }

    /** Fails during constant folding: the caller is about to compute on the device. */
    void requireDevice() {
        if (hostOnly) {
            throw new NeedsDevice();
        }
    }
}
