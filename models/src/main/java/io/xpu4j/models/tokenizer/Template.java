package io.xpu4j.models.tokenizer;

import java.util.List;

/**
 * The single-sequence template of a {@code TemplateProcessing} or {@code BertProcessing}
 * post-processor: special tokens around the text's pieces, each part with its type id.
 */
final class Template {
    /** One part: the text's pieces ({@code ids == null}) or fixed special tokens. */
    record Part(int[] ids, String[] tokens, int typeId) {
        boolean isSequence() {
            return ids == null;
        }
    }

    static final Template NONE = new Template(List.of(new Part(null, null, 0)));

    final List<Part> parts;
    /** How many special tokens the template adds: the budget truncation keeps free. */
    final int addedCount;

    Template(List<Part> parts) {
        this.parts = List.copyOf(parts);
        int n = 0;
        for (Part p : parts) {
            if (!p.isSequence()) {
                n += p.ids().length;
            }
        }
        this.addedCount = n;
    }
}
