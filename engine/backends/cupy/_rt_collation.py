"""CUDA twin of :mod:`engine.backends.numba._rt_collation` (Excel's order of texts made per
trial, ASCII): ``mc_coll2``, included by the dynamic arrays' and the lookup lines' runtimes
(guarded: either or both)."""

from __future__ import annotations

from ...functions._collation import ASCII_WEIGHTS

__all__ = ["COLLATION_RUNTIME"]

COLLATION_RUNTIME = r"""
#ifndef MC_COLL_DEFINED
#define MC_COLL_DEFINED
/* Excel's order of texts (numba/_rt_collation.py): first-level weights of ASCII (0: ' and -,
   ignored), then the folded texts with the ignored characters last; 0 only for texts equal
   case aside */
#ifdef __CUDACC__
__constant__ double mc_coll_w[] = {@COLL_W@};
#else
static const double mc_coll_w[] = {@COLL_W@};
#endif
MC_HD double mc_coll_weight(int c) { return 0 <= c && c < 128 ? mc_coll_w[c] : 256.0 + c; }
MC_HD double mc_coll_folded(int c) {
    if (65 <= c && c <= 90) return (double)(c + 32);
    if (0 <= c && c < 128 && mc_coll_w[c] == 0.0) return 1114111.0;
    return (double)c;
}
template <class A, class B> MC_HD double mc_coll2(const A *za, double a, double b,
                                                  const B *zb, double c, double d) {
    long long i = (long long)a, n = (long long)b, j = (long long)c, m = (long long)d;
    while (true) {
        while (i < n && mc_coll_weight((int)za[i]) == 0.0) ++i;
        while (j < m && mc_coll_weight((int)zb[j]) == 0.0) ++j;
        if (i >= n || j >= m) break;
        double p = mc_coll_weight((int)za[i]), q = mc_coll_weight((int)zb[j]);
        if (p != q) return p < q ? -1.0 : 1.0;
        ++i;
        ++j;
    }
    if (i < n || j < m) return i >= n ? -1.0 : 1.0;
    long long la = (long long)(b - a), lc = (long long)(d - c);
    for (long long k = 0; k < (la < lc ? la : lc); ++k) {
        double p = mc_coll_folded((int)za[(long long)a + k]);
        double q = mc_coll_folded((int)zb[(long long)c + k]);
        if (p != q) return p < q ? -1.0 : 1.0;
    }
    return la == lc ? 0.0 : (la < lc ? -1.0 : 1.0);
}
#endif
""".replace("@COLL_W@", ", ".join(f"{float(w)!r}" for w in ASCII_WEIGHTS))
