package io.xpu4j.models.onnx;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.util.List;
import java.util.Map;

/**
 * One NodeProto. {@code inputs} may contain "" for an optional input left out. Attribute getters
 * check the attribute's type, so a malformed model fails with a message naming node and attribute.
 */
record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
            Map<String, Attr> attrs) {

    /** e.g. {@code Softmax node '/encoder/Softmax'}. */
    String describe() {
        return (domain.isEmpty() || domain.equals("ai.onnx") ? "" : domain + ".") + opType + " node '"
                + (name.isEmpty() ? "(unnamed, output " + (outputs.isEmpty() ? "?" : outputs.get(0)) + ")" : name) + "'";
    }

    boolean has(String attr) {
        return attrs.containsKey(attr);
    }

    long attrInt(String attr, long dflt) {
        Attr a = attrs.get(attr);
        if (a == null) {
            return dflt;
        }
        check(a, Attr.INT);
        return a.i();
    }

    float attrFloat(String attr, float dflt) {
        Attr a = attrs.get(attr);
        if (a == null) {
            return dflt;
        }
        check(a, Attr.FLOAT);
        return a.f();
    }

    /** The INTS attribute, or null when absent. */
    long[] attrInts(String attr) {
        Attr a = attrs.get(attr);
        if (a == null) {
            return null;
        }
        check(a, Attr.INTS);
        return a.ints().clone();
    }

    String attrString(String attr, String dflt) {
        Attr a = attrs.get(attr);
        if (a == null) {
            return dflt;
        }
        check(a, Attr.STRING);
        return a.s();
    }

    private void check(Attr a, int type) {
        if (a.type() != type) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, describe() + ": attribute '" + a.name() + "' is "
                    + Attr.typeName(a.type()) + " but must be " + Attr.typeName(type));
        }
    }

    /** Input {@code i}, or "" when the node has fewer inputs. */
    String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }
}
