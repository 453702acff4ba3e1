"""CUDA twin of :mod:`engine.backends.numba._rt_dlines` (a lookup vector's texts made per
trial ranked, a key's rank among them: ``dline_rank``, ``dkey_rank``), appended to
:data:`._rt_dtext.DTEXT_READ_RUNTIME` (it uses ``mc_fold`` of ``DTEXT_RUNTIME``)."""

from __future__ import annotations

from ..numba._rt_dlines import KERNEL_NAMES
from ._rt_collation import COLLATION_RUNTIME

__all__ = ["DLINES_NAMES", "DLINES_RUNTIME"]

DLINES_NAMES: tuple[str, ...] = tuple(KERNEL_NAMES)

DLINES_RUNTIME = r"""
/* ------------------------------------------------------------ lookup vectors of text made per trial (numba/_rt_dlines.py) */
@COLLATION@
/* -1, 0 or 1: za[a:b] against zb[c:d] in Excel's order of texts (mc_coll2) */
template <class A, class B> MC_HD int mc_dl_cmp(const A *za, int a, int b, const B *zb, int c, int d) {
    return (int)mc_coll2(za, (double)a, (double)b, zb, (double)c, (double)d);
}
/* the dense rank of each text element (t[i] == 1, at z[s[2i]:s[2i+1]]) into zr, the distinct
   texts in order into bb (bb[0]: how many; bb[1+2k], bb[2+2k]: where text k lies in bb) */
template <class C> MC_NI double dline_rank(const C *z, const double *s, double mf, const double *t,
                                           double *zr, double *w, double *bb) {
    int mm = (int)mf, n = 0;
    for (int i = 0; i < mm; ++i)
        if (t[i] == 1.0) w[n++] = i;
    int src = 0, dst = mm;
    for (int width = 1; width < n; width *= 2) {
        for (int lo = 0; lo < n; lo += 2 * width) {
            int mid = lo + width < n ? lo + width : n;
            int hi = lo + 2 * width < n ? lo + 2 * width : n;
            int i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                int a = (int)w[src + i], b = (int)w[src + j];
                if (mc_dl_cmp(z, (int)s[2 * b], (int)s[2 * b + 1], z, (int)s[2 * a],
                              (int)s[2 * a + 1]) < 0) { w[dst + k] = b; ++j; }
                else { w[dst + k] = a; ++i; }
                ++k;
            }
            while (i < mid) w[dst + k++] = w[src + i++];
            while (j < hi) w[dst + k++] = w[src + j++];
        }
        int x = src; src = dst; dst = x;
    }
    int at = 1 + 2 * mm, d = 0, prev = -1;
    for (int q = 0; q < n; ++q) {
        int i = (int)w[src + q];
        int a = (int)s[2 * i], b = (int)s[2 * i + 1];
        if (prev < 0 || mc_dl_cmp(z, a, b, z, (int)s[2 * prev], (int)s[2 * prev + 1]) != 0) {
            bb[1 + 2 * d] = at;
            for (int j = 0; j < b - a; ++j) bb[at + j] = (double)z[a + j];
            at += b - a;
            bb[2 + 2 * d] = at;
            ++d;
        }
        zr[i] = d - 1;
        prev = i;
    }
    bb[0] = d;
    return (double)d;
}
/* the key z[a:b]'s rank among bb's texts: k where equal to text k, else k - 0.5 */
template <class C> MC_NI double dkey_rank(const C *z, double a, double b, const double *bb) {
    int lo = 0, hi = (int)bb[0];
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        int c = mc_dl_cmp(z, (int)a, (int)b, bb, (int)bb[1 + 2 * mid], (int)bb[2 + 2 * mid]);
        if (c == 0) return (double)mid;
        if (c < 0) hi = mid; else lo = mid + 1;
    }
    return lo - 0.5;
}
/* ------------------------------------------------------------ end of lookup vectors of text made per trial */
""".replace("@COLLATION@", COLLATION_RUNTIME)
