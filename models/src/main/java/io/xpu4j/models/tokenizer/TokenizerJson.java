package io.xpu4j.models.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads HuggingFace's {@code tokenizer.json} layout. Only the component types a BERT WordPiece
 * file uses are accepted; anything else is refused by name rather than half-run, because a
 * tokenizer that silently differs from the one the model was trained with gives plausible but
 * wrong embeddings.
 */
final class TokenizerJson {
    private TokenizerJson() {
    }

    /** BERT's position-embedding limit, for files without a truncation length. */
    static final int DEFAULT_MAX_LENGTH = 512;

    /** Far above any real vocabulary (the largest are a few hundred thousand). */
    private static final int MAX_ID = 1 << 24;

    private static final ObjectMapper JSON = new ObjectMapper();

    static Tokenizer read(InputStream in, String source) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        Map<String, Integer> vocab = null;
        // the vocabulary is most of the file: stream it into the map instead of building a tree of it
        try (JsonParser p = JSON.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new XpuException(ErrorCode.CONFIG, "tokenizer " + source
                        + " does not hold a JSON object (expected HuggingFace tokenizer.json)");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals("model") && value == JsonToken.START_OBJECT) {
                    ObjectNode model = root.putObject("model");
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String field = p.currentName();
                        if (p.nextToken() == JsonToken.START_OBJECT && field.equals("vocab")) {
                            vocab = streamVocab(p, source);
                        } else {
                            model.set(field, tree(p));
                        }
                    }
                } else {
                    root.set(name, tree(p));
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new XpuException(ErrorCode.CONFIG, "tokenizer " + source + " has content after its JSON object");
            }
        } catch (JacksonException e) {
            throw new XpuException(ErrorCode.CONFIG, "tokenizer " + source + " is not valid JSON: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new XpuException(ErrorCode.CONFIG, "cannot read tokenizer " + source + ": " + e, e);
        }
        return new Reader(source, vocab).read(root);
    }

    private static JsonNode tree(JsonParser p) throws IOException {
        return p.currentToken() == JsonToken.VALUE_NULL ? NullNode.getInstance() : JSON.readTree(p);
    }

    private static Map<String, Integer> streamVocab(JsonParser p, String source) throws IOException {
        Map<String, Integer> vocab = new HashMap<>(65536);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String token = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT
                    || p.getIntValue() < 0) {
                throw new XpuException(ErrorCode.CONFIG, "tokenizer " + source + ": model.vocab id of \""
                        + token + "\" is " + p.getText() + "; ids are integers from 0");
            }
            vocab.put(token, p.getIntValue());
        }
        return vocab;
    }

    private static final class Reader {
        private final String source;
        private final Map<String, Integer> streamedVocab;

        Reader(String source, Map<String, Integer> streamedVocab) {
            this.source = source;
            this.streamedVocab = streamedVocab;
        }

        Tokenizer read(JsonNode root) {
            JsonNode model = root.get("model");
            if (model == null || !model.isObject()) {
                throw fail("has no \"model\" object");
            }
            String modelType = modelType(model);
            if (!"WordPiece".equals(modelType)) {
                throw unsupported("model", modelType, "WordPiece");
            }
            Map<String, Integer> vocab = vocab(model);
            String unk = string(model, "unk_token", "[UNK]", "model");
            String prefix = string(model, "continuing_subword_prefix", "##", "model");
            int maxChars = integer(model, "max_input_chars_per_word", 100, "model");
            Integer unkId = vocab.get(unk);
            if (unkId == null) {
                throw fail("model.unk_token \"" + unk + "\" is not in the vocabulary");
            }
            if (prefix.isEmpty()) {
                throw fail("model.continuing_subword_prefix is empty");
            }
            if (maxChars < 1) {
                throw fail("model.max_input_chars_per_word is " + maxChars + "; it must be at least 1");
            }

            BertNormalizer normalizer = normalizer(root.get("normalizer"));
            boolean bertPreTokenizer = preTokenizer(root.get("pre_tokenizer"));
            List<AddedToken> added = addedTokens(root.get("added_tokens"));
            Template template = postProcessor(root.get("post_processor"));
            WordPieceDecoder decoder = decoder(root.get("decoder"));

            // ids to tokens: added tokens win over the vocabulary, as upstream's lookup does
            Map<String, Integer> all = new HashMap<>(vocab);
            int maxId = -1;
            for (int id : vocab.values()) {
                maxId = Math.max(maxId, id);
            }
            for (AddedToken t : added) {
                all.put(t.content(), t.id());
                maxId = Math.max(maxId, t.id());
            }
            for (Template.Part p : template.parts) {
                if (!p.isSequence()) {
                    for (int id : p.ids()) {
                        maxId = Math.max(maxId, id);
                    }
                }
            }
            if (maxId >= MAX_ID) {
                // ids index a dense table; a huge one is a broken file, not a vocabulary
                throw fail("token id " + maxId + " is not below " + MAX_ID);
            }
            String[] idToToken = new String[maxId + 1];
            boolean[] special = new boolean[maxId + 1];
            for (Map.Entry<String, Integer> e : vocab.entrySet()) {
                idToToken[e.getValue()] = e.getKey();
            }
            for (AddedToken t : added) {
                idToToken[t.id()] = t.content();
                special[t.id()] = t.special();
            }
            for (Template.Part p : template.parts) {
                if (!p.isSequence()) {
                    for (int i = 0; i < p.ids().length; i++) {
                        if (idToToken[p.ids()[i]] == null) {
                            idToToken[p.ids()[i]] = p.tokens()[i];
                        }
                    }
                }
            }

            List<AddedToken> raw = new ArrayList<>();
            List<String> rawContents = new ArrayList<>();
            List<AddedToken> norm = new ArrayList<>();
            List<String> normContents = new ArrayList<>();
            for (AddedToken t : added) {
                if (t.normalized() && normalizer != null) {
                    // a normalized token is looked for in normalized text, so in normalized form
                    StringBuilder sb = new StringBuilder();
                    char[] c = t.content().toCharArray();
                    normalizer.normalize(c, 0, c.length, sb);
                    norm.add(t);
                    normContents.add(sb.toString());
                } else if (t.normalized()) {
                    norm.add(t);
                    normContents.add(t.content());
                } else {
                    raw.add(t);
                    rawContents.add(t.content());
                }
            }

            JsonNode truncation = root.get("truncation");
            int maxLength = DEFAULT_MAX_LENGTH;
            boolean truncateLeft = false;
            if (truncation != null && !truncation.isNull()) {
                requireObject(truncation, "truncation");
                maxLength = integer(truncation, "max_length", DEFAULT_MAX_LENGTH, "truncation");
                if (maxLength < 1) {
                    throw fail("truncation.max_length is " + maxLength + "; it must be at least 1");
                }
                String strategy = string(truncation, "strategy", "LongestFirst", "truncation");
                // with one sequence, longest-first and only-first both cut that sequence
                if (!strategy.equals("LongestFirst") && !strategy.equals("OnlyFirst")) {
                    throw unsupported("truncation strategy", strategy, "LongestFirst, OnlyFirst");
                }
                truncateLeft = side(truncation, "truncation");
            }

            JsonNode padding = root.get("padding");
            int padId = vocab.getOrDefault("[PAD]", 0);
            int padTypeId = 0;
            boolean padLeft = false;
            int padMultiple = 0;
            if (padding != null && !padding.isNull()) {
                requireObject(padding, "padding");
                padId = integer(padding, "pad_id", padId, "padding");
                padTypeId = integer(padding, "pad_type_id", 0, "padding");
                padLeft = side(padding, "padding");
                JsonNode multiple = padding.get("pad_to_multiple_of");
                if (multiple != null && !multiple.isNull()) {
                    padMultiple = integer(padding, "pad_to_multiple_of", 0, "padding");
                    if (padMultiple < 0) {
                        throw fail("padding.pad_to_multiple_of is " + padMultiple + "; it must be positive");
                    }
                }
                JsonNode strategy = padding.get("strategy");
                if (strategy != null && !strategy.isNull()
                        && !(strategy.isTextual() && strategy.asText().equals("BatchLongest"))
                        && !(strategy.isObject() && strategy.has("Fixed"))) {
                    throw unsupported("padding strategy", strategy.toString(), "BatchLongest, {\"Fixed\": n}");
                }
            }

            return new Tokenizer(new TokenizerSpec(
                    normalizer, bertPreTokenizer, new WordPiece(new VocabTable(vocab), unkId, prefix, maxChars),
                    new AddedTokenMatcher(raw, rawContents), new AddedTokenMatcher(norm, normContents),
                    template, maxLength, truncateLeft, padId, padTypeId, padLeft, padMultiple,
                    idToToken, special, new VocabTable(all), all.size(), decoder));
        }

        private String modelType(JsonNode model) {
            JsonNode type = model.get("type");
            if (type != null && type.isTextual()) {
                return type.asText();
            }
            // files written before models were tagged: WordPiece is the one with a subword prefix and no merges
            if (model.has("continuing_subword_prefix") && !model.has("merges")
                    && (streamedVocab != null || model.path("vocab").isObject())) {
                return "WordPiece";
            }
            throw fail("model has no \"type\"");
        }

        private Map<String, Integer> vocab(JsonNode model) {
            if (streamedVocab != null) {
                if (streamedVocab.isEmpty()) {
                    throw fail("model.vocab is empty");
                }
                return streamedVocab;
            }
            JsonNode v = model.get("vocab");
            if (v == null || !v.isObject() || v.isEmpty()) {
                throw fail("model.vocab is missing or empty (expected an object of token to id)");
            }
            Map<String, Integer> vocab = new LinkedHashMap<>(v.size() * 2);
            for (Map.Entry<String, JsonNode> e : v.properties()) {
                JsonNode id = e.getValue();
                if (!id.canConvertToInt() || !id.isIntegralNumber() || id.asInt() < 0) {
                    throw fail("model.vocab id of \"" + e.getKey() + "\" is " + id + "; ids are integers from 0");
                }
                vocab.put(e.getKey(), id.asInt());
            }
            return vocab;
        }

        private BertNormalizer normalizer(JsonNode n) {
            if (n == null || n.isNull()) {
                return null;
            }
            String type = type(n, "normalizer");
            if (!type.equals("BertNormalizer")) {
                throw unsupported("normalizer", type, "BertNormalizer");
            }
            boolean lowercase = bool(n, "lowercase", true, "normalizer");
            JsonNode strip = n.get("strip_accents");
            // null means: strip accents exactly when lowercasing, as BERT uncased does
            boolean stripAccents = strip == null || strip.isNull() ? lowercase : bool(n, "strip_accents", lowercase, "normalizer");
            return new BertNormalizer(bool(n, "clean_text", true, "normalizer"),
                    bool(n, "handle_chinese_chars", true, "normalizer"), stripAccents, lowercase);
        }

        private boolean preTokenizer(JsonNode n) {
            if (n == null || n.isNull()) {
                return false;
            }
            String type = type(n, "pre_tokenizer");
            if (!type.equals("BertPreTokenizer")) {
                throw unsupported("pre_tokenizer", type, "BertPreTokenizer");
            }
            return true;
        }

        private WordPieceDecoder decoder(JsonNode n) {
            if (n == null || n.isNull()) {
                return null;
            }
            String type = type(n, "decoder");
            if (!type.equals("WordPiece")) {
                throw unsupported("decoder", type, "WordPiece");
            }
            return new WordPieceDecoder(string(n, "prefix", "##", "decoder"), bool(n, "cleanup", true, "decoder"));
        }

        private List<AddedToken> addedTokens(JsonNode n) {
            List<AddedToken> out = new ArrayList<>();
            if (n == null || n.isNull()) {
                return out;
            }
            if (!n.isArray()) {
                throw fail("added_tokens is not an array");
            }
            for (JsonNode t : n) {
                requireObject(t, "added_tokens entry");
                JsonNode id = t.get("id");
                JsonNode content = t.get("content");
                if (id == null || !id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0
                        || content == null || !content.isTextual()) {
                    throw fail("added_tokens entry " + t + " needs an integer \"id\" from 0 and a string \"content\"");
                }
                boolean special = bool(t, "special", false, "added_tokens");
                out.add(new AddedToken(id.asInt(), content.asText(), bool(t, "single_word", false, "added_tokens"),
                        bool(t, "lstrip", false, "added_tokens"), bool(t, "rstrip", false, "added_tokens"),
                        // upstream's default: special tokens are matched as written, others after normalization
                        bool(t, "normalized", !special, "added_tokens"), special));
            }
            return out;
        }

        private Template postProcessor(JsonNode n) {
            if (n == null || n.isNull()) {
                return Template.NONE;
            }
            String type = type(n, "post_processor");
            return switch (type) {
                case "TemplateProcessing" -> templateProcessing(n);
                case "BertProcessing" -> new Template(List.of(
                        fixedToken(n, "cls"), new Template.Part(null, null, 0), fixedToken(n, "sep")));
                default -> throw unsupported("post_processor", type, "TemplateProcessing, BertProcessing");
            };
        }

        /** {@code "cls": ["[CLS]", 101]}. */
        private Template.Part fixedToken(JsonNode n, String field) {
            JsonNode pair = n.get(field);
            if (pair == null || !pair.isArray() || pair.size() != 2 || !pair.get(0).isTextual()
                    || !pair.get(1).isIntegralNumber() || pair.get(1).asInt() < 0) {
                throw fail("post_processor." + field + " must be [token, id], found " + pair);
            }
            return new Template.Part(new int[]{pair.get(1).asInt()}, new String[]{pair.get(0).asText()}, 0);
        }

        private Template templateProcessing(JsonNode n) {
            JsonNode single = n.get("single");
            if (single == null || !single.isArray()) {
                throw fail("post_processor.single is missing or not a list");
            }
            JsonNode specials = n.path("special_tokens");
            List<Template.Part> parts = new ArrayList<>();
            boolean hasSequence = false;
            for (JsonNode piece : single) {
                if (piece.has("Sequence")) {
                    JsonNode seq = piece.get("Sequence");
                    String id = string(seq, "id", "A", "post_processor.single Sequence");
                    if (!id.equals("A")) {
                        throw fail("post_processor.single uses sequence \"" + id + "\"; a single text is sequence A");
                    }
                    parts.add(new Template.Part(null, null, integer(seq, "type_id", 0, "post_processor")));
                    hasSequence = true;
                } else if (piece.has("SpecialToken")) {
                    JsonNode st = piece.get("SpecialToken");
                    String name = string(st, "id", null, "post_processor.single SpecialToken");
                    JsonNode def = specials.get(name);
                    if (def == null || !def.path("ids").isArray() || !def.path("tokens").isArray()
                            || def.get("ids").size() != def.get("tokens").size()) {
                        throw fail("post_processor.special_tokens has no ids and tokens for \"" + name + "\"");
                    }
                    int[] ids = new int[def.get("ids").size()];
                    String[] tokens = new String[ids.length];
                    for (int i = 0; i < ids.length; i++) {
                        JsonNode id = def.get("ids").get(i);
                        if (!id.isIntegralNumber() || id.asInt() < 0) {
                            throw fail("post_processor.special_tokens \"" + name + "\" has id " + id);
                        }
                        ids[i] = id.asInt();
                        tokens[i] = def.get("tokens").get(i).asText();
                    }
                    parts.add(new Template.Part(ids, tokens, integer(st, "type_id", 0, "post_processor")));
                } else {
                    throw unsupported("post_processor.single piece", piece.toString(), "Sequence, SpecialToken");
                }
            }
            if (!hasSequence) {
                throw fail("post_processor.single has no Sequence piece: the text would be dropped");
            }
            return new Template(parts);
        }

        private boolean side(JsonNode n, String where) {
            String direction = string(n, "direction", "Right", where);
            return switch (direction) {
                case "Right" -> false;
                case "Left" -> true;
                default -> throw unsupported(where + " direction", direction, "Right, Left");
            };
        }

        private String type(JsonNode n, String where) {
            requireObject(n, where);
            JsonNode type = n.get("type");
            if (type == null || !type.isTextual()) {
                throw fail(where + " has no \"type\"");
            }
            return type.asText();
        }

        private void requireObject(JsonNode n, String where) {
            if (!n.isObject()) {
                throw fail(where + " is not an object: " + n);
            }
        }

        private String string(JsonNode n, String field, String fallback, String where) {
            JsonNode v = n.get(field);
            if (v == null || v.isNull()) {
                if (fallback == null) {
                    throw fail(where + "." + field + " is missing");
                }
                return fallback;
            }
            if (!v.isTextual()) {
                throw fail(where + "." + field + " is " + v + "; expected a string");
            }
            return v.asText();
        }

        private int integer(JsonNode n, String field, int fallback, String where) {
            JsonNode v = n.get(field);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw fail(where + "." + field + " is " + v + "; expected an integer");
            }
            return v.asInt();
        }

        private boolean bool(JsonNode n, String field, boolean fallback, String where) {
            JsonNode v = n.get(field);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isBoolean()) {
                throw fail(where + "." + field + " is " + v + "; expected true or false");
            }
            return v.asBoolean();
        }

        private XpuException unsupported(String component, String type, String supported) {
            return fail("uses " + component + " type \"" + type + "\", which this tokenizer does not implement"
                    + " (supported: " + supported + ")");
        }

        private XpuException fail(String what) {
            return new XpuException(ErrorCode.CONFIG, "tokenizer " + source + ": " + what);
        }
    }
}
