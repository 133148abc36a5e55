package io.xpu4j.api;

/** How rotary position embedding pairs the elements of a head. */
public enum RopeLayout {
    /** Pairs (x[2i], x[2i+1]): the original RoFormer / GPT-J / Meta Llama layout. */
    INTERLEAVED,
    /** Pairs (x[i], x[i + d/2]): the "rotate half" layout of GPT-NeoX and HuggingFace Llama. */
    HALF_SPLIT
}
