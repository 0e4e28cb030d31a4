package org.routelab.testing;

/** Entangled-tensor arithmetic written out in plain loops, the reference the tests compare against. */
public final class Kronecker {
    private Kronecker() {}

    /** Row-wise Kronecker products, written out: in row k, index i * |b_k| + j holds a_ki b_kj. */
    public static double[][] kron(double[][] a, double[][] b) {
        double[][] out = new double[a.length][];
        for (int k = 0; k < a.length; k++) {
            out[k] = new double[a[k].length * b[k].length];
            for (int i = 0; i < a[k].length; i++) {
                for (int j = 0; j < b[k].length; j++) {
                    out[k][i * b[k].length + j] = a[k][i] * b[k][j];
                }
            }
        }
        return out;
    }

    /** Zero mean and unit variance over the whole matrix (a copy). */
    public static double[][] layerNorm(double[][] rows) {
        double sum = 0;
        int n = 0;
        for (double[] row : rows) {
            for (double x : row) {
                sum += x;
                n++;
            }
        }
        double mean = sum / n;
        double var = 0;
        for (double[] row : rows) {
            for (double x : row) {
                var += (x - mean) * (x - mean);
            }
        }
        double std = Math.sqrt(var / n + org.routelab.adapter.EntangledTensor.LAYER_NORM_EPS);
        double[][] out = new double[rows.length][];
        for (int k = 0; k < rows.length; k++) {
            out[k] = new double[rows[k].length];
            for (int j = 0; j < rows[k].length; j++) {
                out[k][j] = (rows[k][j] - mean) / std;
            }
        }
        return out;
    }
}
