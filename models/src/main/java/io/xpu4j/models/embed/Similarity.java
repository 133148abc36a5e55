package io.xpu4j.models.embed;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

/** Cosine similarity of embedding vectors, computed in double precision. */
public final class Similarity {
    private Similarity() {
    }

    /** cos(a, b) = a·b / (|a| |b|); 0 when either vector is all zeros. */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, "cosine: vectors have " + a.length + " and "
                    + b.length + " dimensions; they must match");
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /** The symmetric matrix of pairwise cosines; the diagonal is 1 for non-zero vectors. */
    public static double[][] matrix(float[][] vectors) {
        int n = vectors.length;
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double c = cosine(vectors[i], vectors[j]);
                m[i][j] = c;
                m[j][i] = c;
            }
        }
        return m;
    }
}
