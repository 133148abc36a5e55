package io.xpu4j.models.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes small ONNX models in the protobuf wire format, field numbers from onnx.proto3, so tests
 * can build graphs (and broken files) without any ONNX library.
 */
final class OnnxBuilder {
    /** A protobuf message being written. */
    static final class Msg {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Msg varint(int field, long v) {
            tag(field, 0);
            raw(v);
            return this;
        }

        Msg fixed32(int field, int v) {
            tag(field, 5);
            for (int i = 0; i < 4; i++) {
                out.write(v >>> (8 * i));
            }
            return this;
        }

        Msg bytes(int field, byte[] b) {
            tag(field, 2);
            raw(b.length);
            out.writeBytes(b);
            return this;
        }

        Msg string(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Msg msg(int field, Msg m) {
            return bytes(field, m.toBytes());
        }

        Msg packedVarints(int field, long... vs) {
            Msg p = new Msg();
            for (long v : vs) {
                p.raw(v);
            }
            return bytes(field, p.toBytes());
        }

        Msg packedFloats(int field, float... vs) {
            ByteBuffer b = ByteBuffer.allocate(vs.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : vs) {
                b.putFloat(v);
            }
            return bytes(field, b.array());
        }

        private void tag(int field, int wire) {
            raw(((long) field << 3) | wire);
        }

        void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }

    private final long opset;
    private final String domainOpset;
    private final List<Msg> nodes = new ArrayList<>();
    private final List<Msg> inits = new ArrayList<>();
    private final List<Msg> inputs = new ArrayList<>();
    private final List<Msg> outputs = new ArrayList<>();

    OnnxBuilder(long opset) {
        this(opset, null);
    }

    OnnxBuilder(long opset, String extraDomain) {
        this.opset = opset;
        this.domainOpset = extraDomain;
    }

    /** A graph input or output; dims are Long sizes or String symbols. */
    static Msg valueInfo(String name, int elemType, Object... dims) {
        Msg shape = new Msg();
        for (Object d : dims) {
            Msg dim = new Msg();
            if (d instanceof String s) {
                dim.string(2, s);
            } else {
                dim.varint(1, ((Number) d).longValue());
            }
            shape.msg(1, dim);
        }
        Msg tensorType = new Msg().varint(1, elemType).msg(2, shape);
        return new Msg().string(1, name).msg(2, new Msg().msg(1, tensorType));
    }

    OnnxBuilder input(String name, int elemType, Object... dims) {
        inputs.add(valueInfo(name, elemType, dims));
        return this;
    }

    OnnxBuilder output(String name, int elemType, Object... dims) {
        outputs.add(valueInfo(name, elemType, dims));
        return this;
    }

    static Msg floatTensor(String name, long[] dims, float... data) {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : data) {
            b.putFloat(f);
        }
        return new Msg().packedVarints(1, dims).varint(2, OnnxTypes.FLOAT).string(8, name).bytes(9, b.array());
    }

    static Msg longTensor(String name, long[] dims, long... data) {
        ByteBuffer b = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : data) {
            b.putLong(v);
        }
        return new Msg().packedVarints(1, dims).varint(2, OnnxTypes.INT64).string(8, name).bytes(9, b.array());
    }

    OnnxBuilder initializer(Msg tensor) {
        inits.add(tensor);
        return this;
    }

    OnnxBuilder floats(String name, long[] dims, float... data) {
        return initializer(floatTensor(name, dims, data));
    }

    OnnxBuilder longs(String name, long[] dims, long... data) {
        return initializer(longTensor(name, dims, data));
    }

    /** A float scalar constant as a Constant node. */
    OnnxBuilder scalar(String name, float v) {
        return node("Constant", name + "_const", new String[0], new String[]{name},
                tensorAttr("value", floatTensor("", new long[0], v)));
    }

    static Msg intAttr(String name, long v) {
        return new Msg().string(1, name).varint(20, Attr.INT).varint(3, v);
    }

    static Msg floatAttr(String name, float v) {
        return new Msg().string(1, name).varint(20, Attr.FLOAT).fixed32(2, Float.floatToRawIntBits(v));
    }

    static Msg intsAttr(String name, long... v) {
        return new Msg().string(1, name).varint(20, Attr.INTS).packedVarints(8, v);
    }

    static Msg tensorAttr(String name, Msg tensor) {
        return new Msg().string(1, name).varint(20, Attr.TENSOR).msg(5, tensor);
    }

    OnnxBuilder node(String op, String name, String[] in, String[] out, Msg... attrs) {
        return node(op, "", name, in, out, attrs);
    }

    OnnxBuilder node(String op, String domain, String name, String[] in, String[] out, Msg... attrs) {
        Msg n = new Msg();
        for (String i : in) {
            n.string(1, i);
        }
        for (String o : out) {
            n.string(2, o);
        }
        n.string(3, name).string(4, op);
        if (!domain.isEmpty()) {
            n.string(7, domain);
        }
        for (Msg a : attrs) {
            n.msg(5, a);
        }
        nodes.add(n);
        return this;
    }

    /** Shorthand: one output named like the node. */
    OnnxBuilder op(String op, String out, String... in) {
        return node(op, out, in, new String[]{out});
    }

    OnnxBuilder op(String op, String out, String[] in, Msg... attrs) {
        return node(op, out, in, new String[]{out}, attrs);
    }

    byte[] build() {
        Msg g = new Msg();
        for (Msg n : nodes) {
            g.msg(1, n);
        }
        g.string(2, "test-graph");
        for (Msg t : inits) {
            g.msg(5, t);
        }
        for (Msg i : inputs) {
            g.msg(11, i);
        }
        for (Msg o : outputs) {
            g.msg(12, o);
        }
        Msg m = new Msg().varint(1, 8).string(2, "xpu4j-test").msg(7, g)
                .msg(8, new Msg().string(1, "").varint(2, opset));
        if (domainOpset != null) {
            m.msg(8, new Msg().string(1, domainOpset).varint(2, 1));
        }
        return m.toBytes();
    }

    OnnxModel model() {
        return OnnxModel.parse(build(), "test.onnx");
    }
}
