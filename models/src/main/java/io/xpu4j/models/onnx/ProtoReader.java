package io.xpu4j.models.onnx;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads the protobuf wire format from a byte range of a segment (usually a memory-mapped .onnx
 * file). Every length is checked against the bytes left in the enclosing message before it is
 * used, so a truncated or corrupt file fails with an error naming the byte offset instead of
 * reading past the end, allocating from a garbage length, or looping.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LEN = 2;
    static final int FIXED32 = 5;

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Names and other strings are short; a longer one means a corrupt length. */
    static final int MAX_STRING_BYTES = 1 << 20;

    private final MemorySegment seg;
    private final String source;
    private long pos;
    private final long end;
    private int wireType = -1;

    ProtoReader(MemorySegment seg, String source) {
        this(seg, source, 0, seg.byteSize());
    }

    private ProtoReader(MemorySegment seg, String source, long pos, long end) {
        this.seg = seg;
        this.source = source;
        this.pos = pos;
        this.end = end;
    }

    boolean hasMore() {
        return pos < end;
    }

    long position() {
        return pos;
    }

    /** Reads the next tag and returns its field number; {@link #wireType()} says how its value is encoded. */
    int nextField() {
        long at = pos;
        long tag = varint();
        int type = (int) (tag & 7);
        long field = tag >>> 3;
        if (field == 0 || field > 0x1FFF_FFFFL) {
            throw corrupt(at, "invalid field number " + field);
        }
        if (type != VARINT && type != FIXED64 && type != LEN && type != FIXED32) {
            // 3 and 4 are the long-deprecated groups, 6 and 7 do not exist; ONNX never writes them
            throw corrupt(at, "unsupported wire type " + type + " for field " + field);
        }
        wireType = type;
        return (int) field;
    }

    int wireType() {
        return wireType;
    }

    long varint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw truncated(pos, "a varint");
            }
            byte b = seg.get(ValueLayout.JAVA_BYTE, pos++);
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw corrupt(pos, "varint longer than 10 bytes");
    }

    int fixed32() {
        need(4, "a 4-byte value");
        int v = seg.get(I32, pos);
        pos += 4;
        return v;
    }

    long fixed64() {
        need(8, "an 8-byte value");
        long v = seg.get(I64, pos);
        pos += 8;
        return v;
    }

    /** The length prefix of a length-delimited field, checked against the bytes that are left. */
    long length() {
        long at = pos;
        long len = varint();
        if (len < 0 || len > end - pos) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "truncated or corrupt ONNX file " + source
                    + ": a field at byte " + at + " declares " + Long.toUnsignedString(len) + " bytes but only "
                    + (end - pos) + " are left in its enclosing message");
        }
        return len;
    }

    /** A reader over the next length-delimited field's bytes; this reader moves past them. */
    ProtoReader message() {
        long len = length();
        ProtoReader r = new ProtoReader(seg, source, pos, pos + len);
        pos += len;
        return r;
    }

    /** The next length-delimited field's bytes as a slice of the underlying segment (no copy). */
    MemorySegment bytes() {
        long len = length();
        MemorySegment s = seg.asSlice(pos, len);
        pos += len;
        return s;
    }

    String string() {
        long at = pos;
        long len = length();
        if (len > MAX_STRING_BYTES) {
            throw corrupt(at, "a string of " + len + " bytes (more than " + MAX_STRING_BYTES + " allowed)");
        }
        byte[] b = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
        pos += len;
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw corrupt(at, "a string that is not valid UTF-8");
        }
    }

    /** Skips the value of the field just read by {@link #nextField()}. */
    void skip() {
        switch (wireType) {
            case VARINT -> varint();
            case FIXED64 -> {
                need(8, "an 8-byte value");
                pos += 8;
            }
            case FIXED32 -> {
                need(4, "a 4-byte value");
                pos += 4;
            }
            case LEN -> {
                long n = length(); // not "pos += length()": that would add to the position before the length
                pos += n;
            }
            default -> throw new IllegalStateException("no field read");
        }
    }

    /** Fails unless the field just read has wire type {@code expected}. */
    void expect(int expected, String field) {
        if (wireType != expected) {
            throw corrupt(pos, field + " has wire type " + wireType + ", expected " + expected);
        }
    }

    private void need(long n, String what) {
        if (end - pos < n) {
            throw truncated(pos, what);
        }
    }

    XpuException corrupt(long at, String what) {
        return new XpuException(ErrorCode.INVALID_ARGUMENT, "corrupt ONNX file " + source + ": " + what
                + " at byte " + at);
    }

    private XpuException truncated(long at, String what) {
        return new XpuException(ErrorCode.INVALID_ARGUMENT, "truncated or corrupt ONNX file " + source
                + ": the data ends at byte " + at + " in the middle of " + what);
    }
}
