package io.xpu4j.models.tokenizer;

import java.util.Arrays;

/** A growable int array: token ids pile up here without boxing. */
final class IntList {
    private int[] data;
    private int size;

    IntList(int capacity) {
        data = new int[Math.max(capacity, 4)];
    }

    void add(int v) {
        if (size == data.length) {
            data = Arrays.copyOf(data, data.length * 2);
        }
        data[size++] = v;
    }

    int get(int i) {
        return data[i];
    }

    int size() {
        return size;
    }

    void truncate(int newSize) {
        size = newSize;
    }
}
