"""CUDA twins of the numba kernel's matrix runtime (:mod:`..numba._rt_matrices`: the LU
factorization and determinant of MDETERM, MINVERSE's element, FREQUENCY's count, SORTBY's sorted position).  Private
to the cupy backend: :data:`MATRIX_RUNTIME` is C++ source that the generated kernel includes
after :data:`._rt.RUNTIME` when a line calls one of :data:`MATRIX_NAMES`.

A matrix is a ``double`` scratch array of the thread, ``n`` values a row; each function
follows its numba twin line for line (the same pivots, the same order of operations), so the
host build gives the numba kernel's numbers.
"""

from __future__ import annotations

from ..numba._rt_matrices import KERNEL_NAMES

__all__ = ["MATRIX_NAMES", "MATRIX_RUNTIME"]

MATRIX_NAMES: tuple[str, ...] = tuple(KERNEL_NAMES)

MATRIX_RUNTIME: str = r"""
/* ---- matrices (numba/_rt_matrices.py) ---- */
/* a (n x n) factored in place as P A = L U; numpy's determinant (0 where a pivot is 0) */
MC_HD double mx_lu(double *a, double nn, double *piv) {
    const long long n = (long long)nn;
    double sign = 1.0, logdet = 0.0;
    bool zero = false;
    for (long long k = 0; k < n; ++k) {
        long long p = k;
        double best = fabs(a[k * n + k]);
        for (long long i = k + 1; i < n; ++i) {
            const double x = fabs(a[i * n + k]);
            if (x > best) { best = x; p = i; }
        }
        piv[k] = (double)p;
        if (p != k) {
            sign = -sign;
            for (long long j = 0; j < n; ++j) {
                const double t = a[k * n + j];
                a[k * n + j] = a[p * n + j];
                a[p * n + j] = t;
            }
        }
        const double d = a[k * n + k];
        if (d == 0.0) { zero = true; continue; }
        if (d < 0.0) sign = -sign;
        logdet += log(fabs(d));
        for (long long i = k + 1; i < n; ++i) a[i * n + k] /= d;
        for (long long i = k + 1; i < n; ++i) {
            const double f = a[i * n + k];
            if (f != 0.0)
                for (long long j = k + 1; j < n; ++j) a[i * n + j] -= f * a[k * n + j];
        }
    }
    if (zero) return 0.0;
    return sign * exp(logdet);
}

/* element (r, c) of the inverse (y: a scratch of n); NaN where singular */
MC_HD double mx_inv_at(double *a, double nn, double *piv, double *y, double r, double c) {
    const double det = mx_lu(a, nn, piv);
    if (det == 0.0) return MC_NAN;
    const long long n = (long long)nn;
    for (long long i = 0; i < n; ++i) y[i] = 0.0;
    y[(long long)c] = 1.0;
    for (long long k = 0; k < n; ++k) {
        const long long p = (long long)piv[k];
        if (p != k) { const double t = y[k]; y[k] = y[p]; y[p] = t; }
    }
    for (long long i = 0; i < n; ++i) {
        double s = y[i];
        for (long long j = 0; j < i; ++j) s -= a[i * n + j] * y[j];
        y[i] = s;
    }
    for (long long i = n - 1; i >= 0; --i) {
        double s = y[i];
        for (long long j = i + 1; j < n; ++j) s -= a[i * n + j] * y[j];
        y[i] = s / a[i * n + i];
    }
    return y[(long long)r];
}

/* FREQUENCY's count r of k + 1 */
MC_HD double mx_freq(const double *xv, const double *xok, double mm, const double *bv,
                     const double *bok, double kk, double rr) {
    const long long m = (long long)mm, k = (long long)kk, r = (long long)rr;
    double cnt = 0.0;
    if (r < k) {
        if (bok[r] == 0.0) return 0.0;
        const double e = bv[r];
        double lower = -MC_INF;
        for (long long j = 0; j < k; ++j) {
            if (bok[j] != 0.0) {
                const double b = bv[j];
                if (b == e && j < r) return 0.0;
                if (b < e && b > lower) lower = b;
            }
        }
        for (long long i = 0; i < m; ++i)
            if (xok[i] != 0.0 && xv[i] > lower && xv[i] <= e) cnt += 1.0;
        return cnt;
    }
    double top = -MC_INF;
    for (long long j = 0; j < k; ++j)
        if (bok[j] != 0.0 && bv[j] > top) top = bv[j];
    for (long long i = 0; i < m; ++i)
        if (xok[i] != 0.0 && xv[i] > top) cnt += 1.0;
    return cnt;
}

/* SORTBY's row (from 1) sorted to position k (from 0); blanks last, ties in written order */
MC_HD bool mx_before(const double *kr, const double *kv, long long j, long long i, bool desc) {
    if (kr[j] == kr[i] && kv[j] == kv[i]) return j < i;
    if (desc) return kr[j] > kr[i] || (kr[j] == kr[i] && kv[j] > kv[i]);
    return kr[j] < kr[i] || (kr[j] == kr[i] && kv[j] < kv[i]);
}

MC_HD double mx_sort_pos(const double *kr, const double *kv, const double *kb, double nn,
                         double kk, bool desc) {
    const long long n = (long long)nn, k = (long long)kk;
    long long filled = 0;
    for (long long i = 0; i < n; ++i)
        if (kb[i] == 0.0) ++filled;
    for (long long i = 0; i < n; ++i) {
        long long pos = 0;
        if (kb[i] == 0.0) {
            for (long long j = 0; j < n; ++j)
                if (j != i && kb[j] == 0.0 && mx_before(kr, kv, j, i, desc)) ++pos;
        } else {
            pos = filled;
            for (long long j = 0; j < i; ++j)
                if (kb[j] != 0.0) ++pos;
        }
        if (pos == k) return (double)(i + 1);
    }
    return 0.0;
}
"""
