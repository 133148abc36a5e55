package io.xpu4j.models.onnx;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decodes ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto and ValueInfoProto with
 * the field numbers of onnx.proto3. Unknown fields are skipped, as protobuf requires. Tensor data
 * is checked against the dims (element count and byte size) before anything is allocated for it.
 */
final class OnnxParser {
    /** More dims than any real tensor has; a larger count means a corrupt file. */
    static final int MAX_RANK = 64;

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    record Parsed(long irVersion, Map<String, Long> opsets, String producer, List<Node> nodes,
                  List<TensorData> initializers, List<ValueInfo> inputs, List<ValueInfo> outputs) {
    }

    private final String source;

    private OnnxParser(String source) {
        this.source = source;
    }

    static Parsed parse(MemorySegment file, String source) {
        if (file.byteSize() == 0) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "ONNX file " + source + " is empty");
        }
        return new OnnxParser(source).model(new ProtoReader(file, source));
    }

    private Parsed model(ProtoReader r) {
        long ir = 0;
        Map<String, Long> opsets = new LinkedHashMap<>();
        String producer = "";
        Graph graph = null;
        while (r.hasMore()) {
            int f = r.nextField();
            switch (f) {
                case 1 -> {
                    r.expect(ProtoReader.VARINT, "ModelProto.ir_version");
                    ir = r.varint();
                }
                case 2 -> {
                    r.expect(ProtoReader.LEN, "ModelProto.producer_name");
                    producer = r.string();
                }
                case 7 -> {
                    r.expect(ProtoReader.LEN, "ModelProto.graph");
                    if (graph != null) {
                        throw r.corrupt(r.position(), "a second ModelProto.graph");
                    }
                    graph = graph(r.message());
                }
                case 8 -> {
                    r.expect(ProtoReader.LEN, "ModelProto.opset_import");
                    ProtoReader o = r.message();
                    String domain = "";
                    long version = 0;
                    while (o.hasMore()) {
                        int g = o.nextField();
                        if (g == 1 && o.wireType() == ProtoReader.LEN) {
                            domain = o.string();
                        } else if (g == 2 && o.wireType() == ProtoReader.VARINT) {
                            version = o.varint();
                        } else {
                            o.skip();
                        }
                    }
                    opsets.put(domain.equals("ai.onnx") ? "" : domain, version);
                }
                default -> r.skip();
            }
        }
        if (graph == null) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "ONNX file " + source + " has no graph "
                    + "(is it an ONNX model? a truncated file can also look like this)");
        }
        if (ir >= 3 && !opsets.containsKey("")) {
            // the exporters write opset_import after the graph, so a file cut right after the graph ends here
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "truncated or invalid ONNX file " + source
                    + ": IR version " + ir + " requires an opset import for the default domain, and there is none");
        }
        if (ir == 0 && opsets.isEmpty()) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "ONNX file " + source
                    + " has neither an IR version nor an opset import; it is not a valid ONNX model");
        }
        Parsed p = new Parsed(ir, Collections.unmodifiableMap(opsets), producer, graph.nodes, graph.initializers,
                graph.inputs, graph.outputs);
        validate(p);
        return p;
    }

    private record Graph(List<Node> nodes, List<TensorData> initializers, List<ValueInfo> inputs,
                         List<ValueInfo> outputs) {
    }

    private Graph graph(ProtoReader r) {
        List<Node> nodes = new ArrayList<>();
        List<TensorData> inits = new ArrayList<>();
        List<ValueInfo> inputs = new ArrayList<>();
        List<ValueInfo> outputs = new ArrayList<>();
        while (r.hasMore()) {
            int f = r.nextField();
            if (r.wireType() != ProtoReader.LEN) {
                r.skip();
                continue;
            }
            switch (f) {
                case 1 -> nodes.add(node(r.message()));
                case 5 -> inits.add(tensor(r.message(), "initializer"));
                case 11 -> inputs.add(valueInfo(r.message()));
                case 12 -> outputs.add(valueInfo(r.message()));
                case 15 -> throw new XpuException(ErrorCode.INVALID_ARGUMENT, "ONNX file " + source
                        + " has sparse initializers, which are not supported");
                default -> r.skip();
            }
        }
        return new Graph(nodes, inits, inputs, outputs);
    }

    private Node node(ProtoReader r) {
        List<String> in = new ArrayList<>();
        List<String> out = new ArrayList<>();
        String name = "";
        String op = "";
        String domain = "";
        Map<String, Attr> attrs = new LinkedHashMap<>();
        while (r.hasMore()) {
            int f = r.nextField();
            if (r.wireType() != ProtoReader.LEN) {
                r.skip();
                continue;
            }
            switch (f) {
                case 1 -> in.add(r.string());
                case 2 -> out.add(r.string());
                case 3 -> name = r.string();
                case 4 -> op = r.string();
                case 7 -> domain = r.string();
                case 5 -> {
                    Attr a = attribute(r.message());
                    attrs.put(a.name(), a);
                }
                default -> r.skip();
            }
        }
        if (op.isEmpty()) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "corrupt ONNX file " + source + ": node '" + name
                    + "' has no op_type");
        }
        return new Node(name, op, domain, List.copyOf(in), List.copyOf(out), Collections.unmodifiableMap(attrs));
    }

    private Attr attribute(ProtoReader r) {
        String name = "";
        int type = 0;
        float f = 0;
        long i = 0;
        String s = null;
        TensorData t = null;
        FloatBuf floats = null;
        LongBuf ints = null;
        List<String> strings = null;
        boolean graph = false;
        while (r.hasMore()) {
            int field = r.nextField();
            int wt = r.wireType();
            switch (field) {
                case 1 -> {
                    r.expect(ProtoReader.LEN, "AttributeProto.name");
                    name = r.string();
                }
                case 20 -> {
                    r.expect(ProtoReader.VARINT, "AttributeProto.type");
                    type = (int) r.varint();
                }
                case 2 -> {
                    r.expect(ProtoReader.FIXED32, "AttributeProto.f");
                    f = Float.intBitsToFloat(r.fixed32());
                }
                case 3 -> {
                    r.expect(ProtoReader.VARINT, "AttributeProto.i");
                    i = r.varint();
                }
                case 4 -> {
                    r.expect(ProtoReader.LEN, "AttributeProto.s");
                    s = r.string();
                }
                case 5 -> {
                    r.expect(ProtoReader.LEN, "AttributeProto.t");
                    t = tensor(r.message(), "attribute tensor");
                }
                case 6, 11 -> {
                    graph = true;
                    r.skip();
                }
                case 7 -> {
                    floats = floats == null ? new FloatBuf() : floats;
                    if (wt == ProtoReader.LEN) {
                        ProtoReader p = r.message();
                        while (p.hasMore()) {
                            floats.add(Float.intBitsToFloat(p.fixed32()));
                        }
                    } else {
                        r.expect(ProtoReader.FIXED32, "AttributeProto.floats");
                        floats.add(Float.intBitsToFloat(r.fixed32()));
                    }
                }
                case 8 -> {
                    ints = ints == null ? new LongBuf() : ints;
                    if (wt == ProtoReader.LEN) {
                        ProtoReader p = r.message();
                        while (p.hasMore()) {
                            ints.add(p.varint());
                        }
                    } else {
                        r.expect(ProtoReader.VARINT, "AttributeProto.ints");
                        ints.add(r.varint());
                    }
                }
                case 9 -> {
                    r.expect(ProtoReader.LEN, "AttributeProto.strings");
                    strings = strings == null ? new ArrayList<>() : strings;
                    strings.add(r.string());
                }
                default -> r.skip();
            }
        }
        if (type == 0) {
            // IR version 1 files leave out the type; it follows from the field that is set
            type = graph ? Attr.GRAPH : t != null ? Attr.TENSOR : s != null ? Attr.STRING : floats != null ? Attr.FLOATS
                    : ints != null ? Attr.INTS : strings != null ? Attr.STRINGS : Attr.INT;
        }
        return new Attr(name, type, f, i, s, t, floats == null ? new float[0] : floats.toArray(),
                ints == null ? new long[0] : ints.toArray(), strings == null ? List.of() : List.copyOf(strings));
    }

    private ValueInfo valueInfo(ProtoReader r) {
        String name = "";
        int elem = 0;
        List<Object> dims = null;
        while (r.hasMore()) {
            int f = r.nextField();
            if (f == 1 && r.wireType() == ProtoReader.LEN) {
                name = r.string();
            } else if (f == 2 && r.wireType() == ProtoReader.LEN) {
                ProtoReader type = r.message();
                while (type.hasMore()) {
                    int g = type.nextField();
                    if (g == 1 && type.wireType() == ProtoReader.LEN) { // TypeProto.tensor_type
                        ProtoReader tt = type.message();
                        while (tt.hasMore()) {
                            int h = tt.nextField();
                            if (h == 1 && tt.wireType() == ProtoReader.VARINT) {
                                elem = (int) tt.varint();
                            } else if (h == 2 && tt.wireType() == ProtoReader.LEN) {
                                dims = shape(tt.message());
                            } else {
                                tt.skip();
                            }
                        }
                    } else {
                        type.skip();
                    }
                }
            } else {
                r.skip();
            }
        }
        return new ValueInfo(name, elem, dims == null ? null : Collections.unmodifiableList(dims));
    }

    private List<Object> shape(ProtoReader r) {
        List<Object> dims = new ArrayList<>();
        while (r.hasMore()) {
            int f = r.nextField();
            if (f != 1 || r.wireType() != ProtoReader.LEN) {
                r.skip();
                continue;
            }
            if (dims.size() >= MAX_RANK) {
                throw r.corrupt(r.position(), "a shape with more than " + MAX_RANK + " dimensions");
            }
            ProtoReader d = r.message();
            Object dim = null;
            while (d.hasMore()) {
                int g = d.nextField();
                if (g == 1 && d.wireType() == ProtoReader.VARINT) {
                    dim = d.varint();
                } else if (g == 2 && d.wireType() == ProtoReader.LEN) {
                    dim = d.string();
                } else {
                    d.skip();
                }
            }
            dims.add(dim);
        }
        return dims;
    }

    // ---- TensorProto ------------------------------------------------------------------------

    private TensorData tensor(ProtoReader r, String role) {
        long start = r.position();
        String name = "";
        int type = 0;
        LongBuf dims = new LongBuf();
        MemorySegment raw = null;
        List<MemorySegment> packed = new ArrayList<>(1);
        int packedField = 0;
        FloatBuf looseFloats = null;
        LongBuf looseInts = null;
        boolean external = false;
        while (r.hasMore()) {
            int f = r.nextField();
            int wt = r.wireType();
            switch (f) {
                case 1 -> {
                    if (wt == ProtoReader.LEN) {
                        ProtoReader p = r.message();
                        while (p.hasMore()) {
                            addDim(dims, p.varint(), r);
                        }
                    } else {
                        r.expect(ProtoReader.VARINT, "TensorProto.dims");
                        addDim(dims, r.varint(), r);
                    }
                }
                case 2 -> {
                    r.expect(ProtoReader.VARINT, "TensorProto.data_type");
                    type = (int) r.varint();
                }
                case 8 -> {
                    r.expect(ProtoReader.LEN, "TensorProto.name");
                    name = r.string();
                }
                case 9 -> {
                    r.expect(ProtoReader.LEN, "TensorProto.raw_data");
                    raw = r.bytes();
                }
                case 13 -> {
                    external = true;
                    r.skip();
                }
                case 14 -> {
                    r.expect(ProtoReader.VARINT, "TensorProto.data_location");
                    external |= r.varint() == 1;
                }
                case 3 -> throw new XpuException(ErrorCode.INVALID_ARGUMENT, "ONNX file " + source
                        + ": segmented tensors are not supported (" + role + " at byte " + start + ")");
                case 4, 5, 7, 10, 11 -> {
                    if (packedField != 0 && packedField != f) {
                        throw r.corrupt(r.position(), "a tensor with data in two typed fields (" + packedField + " and " + f + ")");
                    }
                    packedField = f;
                    if (wt == ProtoReader.LEN) {
                        packed.add(r.bytes());
                    } else if (f == 4) {
                        r.expect(ProtoReader.FIXED32, "TensorProto.float_data");
                        looseFloats = looseFloats == null ? new FloatBuf() : looseFloats;
                        looseFloats.add(Float.intBitsToFloat(r.fixed32()));
                    } else if (f == 10) {
                        r.expect(ProtoReader.FIXED64, "TensorProto.double_data");
                        looseInts = looseInts == null ? new LongBuf() : looseInts;
                        looseInts.add(r.fixed64());
                    } else {
                        r.expect(ProtoReader.VARINT, "TensorProto typed data");
                        looseInts = looseInts == null ? new LongBuf() : looseInts;
                        looseInts.add(r.varint());
                    }
                }
                default -> r.skip();
            }
        }
        long[] d = dims.toArray();
        String what = role + (name.isEmpty() ? "" : " '" + name + "'") + " (" + OnnxTypes.name(type) + Arrays.toString(d) + ")";
        if (external) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "ONNX file " + source + ": " + what
                    + " keeps its data in an external file, which is not supported; save the model with the weights inside");
        }
        long numel = 1;
        for (long x : d) {
            if (x < 0) {
                throw new XpuException(ErrorCode.INVALID_ARGUMENT, "corrupt ONNX file " + source + ": " + what
                        + " has a negative dimension");
            }
            try {
                numel = Math.multiplyExact(numel, x);
            } catch (ArithmeticException e) {
                throw new XpuException(ErrorCode.INVALID_ARGUMENT, "corrupt ONNX file " + source + ": " + what
                        + " has more elements than a long can count");
            }
        }
        if (type == OnnxTypes.STRING) {
            // string tensors hold no numbers; keep the shape so a use of them can be reported
            return new TensorData(name, type, d, numel, null);
        }
        int size = OnnxTypes.byteSize(type);
        if (size == 0) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "ONNX file " + source + ": " + what
                    + " has an element type that is not supported");
        }
        MemorySegment data;
        if (raw != null) {
            if (packedField != 0 || looseFloats != null || looseInts != null) {
                throw r.corrupt(start, what + " has both raw_data and typed data");
            }
            if (numel > Long.MAX_VALUE / size || raw.byteSize() != numel * size) {
                throw new XpuException(ErrorCode.INVALID_ARGUMENT, "corrupt ONNX file " + source + ": " + what + " has "
                        + raw.byteSize() + " bytes of raw_data but its shape needs " + numel + " elements of " + size + " bytes");
            }
            data = raw;
        } else {
            data = typed(type, numel, size, packedField, packed, looseFloats, looseInts, what);
        }
        return new TensorData(name, type, d, numel, data);
    }

    private void addDim(LongBuf dims, long v, ProtoReader r) {
        if (dims.size >= MAX_RANK) {
            throw r.corrupt(r.position(), "a tensor with more than " + MAX_RANK + " dimensions");
        }
        dims.add(v);
    }

    /** Converts typed-field data to raw little-endian bytes, after checking the count equals numel. */
    private MemorySegment typed(int type, long numel, int size, int field, List<MemorySegment> packed,
                                FloatBuf looseFloats, LongBuf looseInts, String what) {
        int expectField = switch (type) {
            case OnnxTypes.FLOAT -> 4;
            case OnnxTypes.INT64 -> 7;
            case OnnxTypes.DOUBLE -> 10;
            case OnnxTypes.UINT32, OnnxTypes.UINT64 -> 11;
            default -> 5; // int32_data also carries 8- and 16-bit ints, bool and 16/8-bit float bit patterns
        };
        if (field != 0 && field != expectField) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "corrupt ONNX file " + source + ": " + what
                    + " has its data in TensorProto field " + field + ", but that type belongs in field " + expectField);
        }
        boolean fixed = field == 4 || field == 10;
        int wireSize = field == 4 ? 4 : 8;
        // count first, so nothing is allocated from a size the file does not back
        long count = looseFloats != null ? looseFloats.size : looseInts != null ? looseInts.size : 0;
        for (MemorySegment s : packed) {
            if (fixed) {
                if (s.byteSize() % wireSize != 0) {
                    throw new XpuException(ErrorCode.INVALID_ARGUMENT, "corrupt ONNX file " + source + ": " + what
                            + " has packed data of " + s.byteSize() + " bytes, not a multiple of " + wireSize);
                }
                count += s.byteSize() / wireSize;
            } else {
                count += countVarints(s, what);
            }
        }
        if (count != numel) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "corrupt ONNX file " + source + ": " + what + " holds "
                    + count + " values but its shape needs " + numel);
        }
        if (numel * size > Integer.MAX_VALUE - 8) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "ONNX file " + source + ": " + what
                    + " is too large for typed-field storage; raw_data is needed for tensors over 2 GiB");
        }
        MemorySegment out = MemorySegment.ofArray(new byte[(int) (numel * size)]);
        long[] index = {0};
        if (looseFloats != null) {
            for (int i = 0; i < looseFloats.size; i++) {
                put(out, type, index[0]++, Float.floatToRawIntBits(looseFloats.data[i]));
            }
        }
        if (looseInts != null) {
            for (int i = 0; i < looseInts.size; i++) {
                put(out, type, index[0]++, looseInts.data[i]);
            }
        }
        for (MemorySegment s : packed) {
            ProtoReader p = new ProtoReader(s, source);
            while (p.hasMore()) {
                long v = field == 4 ? p.fixed32() : field == 10 ? p.fixed64() : p.varint();
                put(out, type, index[0]++, v);
            }
        }
        return out;
    }

    private long countVarints(MemorySegment s, String what) {
        long n = 0;
        long size = s.byteSize();
        for (long i = 0; i < size; i++) {
            if (s.get(ValueLayout.JAVA_BYTE, i) >= 0) {
                n++;
            }
        }
        if (size > 0 && s.get(ValueLayout.JAVA_BYTE, size - 1) < 0) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "truncated or corrupt ONNX file " + source + ": "
                    + what + " has packed data ending in the middle of a varint");
        }
        return n;
    }

    /** Stores wire value {@code v} (float bits for float_data, else the integer or double bits) as element {@code i}. */
    private static void put(MemorySegment out, int type, long i, long v) {
        switch (type) {
            case OnnxTypes.FLOAT -> out.set(F32, i * 4, Float.intBitsToFloat((int) v));
            case OnnxTypes.INT64, OnnxTypes.UINT64, OnnxTypes.DOUBLE -> out.set(I64, i * 8, v);
            case OnnxTypes.INT32, OnnxTypes.UINT32 -> out.set(I32, i * 4, (int) v);
            case OnnxTypes.INT16, OnnxTypes.UINT16, OnnxTypes.FLOAT16, OnnxTypes.BFLOAT16 -> out.set(I16, i * 2, (short) v);
            default -> out.set(ValueLayout.JAVA_BYTE, i, (byte) v);
        }
    }

    // ---- checks across the graph ------------------------------------------------------------

    /** Every value a node reads must exist before it: an input, an initializer or an earlier node's output. */
    private void validate(Parsed p) {
        Set<String> defined = new HashSet<>();
        for (ValueInfo v : p.inputs()) {
            defined.add(v.name());
        }
        for (TensorData t : p.initializers()) {
            if (t.name().isEmpty()) {
                throw new XpuException(ErrorCode.INVALID_ARGUMENT, "corrupt ONNX file " + source + ": an initializer has no name");
            }
            defined.add(t.name());
        }
        for (Node n : p.nodes()) {
            for (String in : n.inputs()) {
                if (!in.isEmpty() && !defined.contains(in)) {
                    throw new XpuException(ErrorCode.INVALID_ARGUMENT, "invalid ONNX file " + source + ": " + n.describe()
                            + " reads '" + in + "', which no graph input, initializer or earlier node defines "
                            + "(nodes must be in topological order)");
                }
            }
            for (String out : n.outputs()) {
                if (!out.isEmpty() && !defined.add(out)) {
                    throw new XpuException(ErrorCode.INVALID_ARGUMENT, "invalid ONNX file " + source + ": " + n.describe()
                            + " writes '" + out + "', which is already defined (values must be assigned once)");
                }
            }
        }
        for (ValueInfo o : p.outputs()) {
            if (!defined.contains(o.name())) {
                throw new XpuException(ErrorCode.INVALID_ARGUMENT, "invalid ONNX file " + source + ": graph output '"
                        + o.name() + "' is produced by no node");
            }
        }
        if (p.outputs().isEmpty()) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "invalid ONNX file " + source + ": the graph has no outputs");
        }
    }

    // ---- growable primitive buffers -----------------------------------------------------------

    static final class LongBuf {
        long[] data = new long[8];
        int size;

        void add(long v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        long[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }

    static final class FloatBuf {
        float[] data = new float[8];
        int size;

        void add(float v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
