"""CUDA twin of :mod:`engine.backends.numba._dtext_args_rt` (TEXTBEFORE/TEXTAFTER with
every argument: ``dsplit``), appended to :data:`._rt_dtext.DTEXT_READ_RUNTIME` (it uses
``mc_fold`` of ``DTEXT_RUNTIME``)."""

from __future__ import annotations

from ..numba._dtext_args_rt import KERNEL_NAMES

__all__ = ["DTEXT_ARGS_NAMES", "DTEXT_ARGS_RUNTIME"]

DTEXT_ARGS_NAMES: tuple[str, ...] = tuple(KERNEL_NAMES)

DTEXT_ARGS_RUNTIME = r"""
/* ------------------------------------------------------------ TEXTBEFORE/TEXTAFTER (numba/_dtext_args_rt.py) */
/* str.find of the delimiter z[da:db] in z[ta:tb] from pos (relative): its start, or -1 */
template <class C> MC_HD int mc_split_find(const C *z, int ta, int tb, int pos, int da, int db, bool fold) {
    int n = tb - ta, m = db - da;
    for (int s = pos; s <= n - m; ++s) {
        bool same = true;
        for (int j = 0; j < m; ++j) {
            int c = (int)z[ta + s + j], d = (int)z[da + j];
            if (fold) { c = mc_fold(c); d = mc_fold(d); }
            if (c != d) { same = false; break; }
        }
        if (same) return s;
    }
    return -1;
}
template <class C> MC_HD int mc_split_nth(const C *z, int ta, int tb, int da, int db, bool fold, int idx) {
    int m = db - da, pos = 0, got = 0;
    while (pos <= tb - ta) {
        int f = mc_split_find(z, ta, tb, pos, da, db, fold);
        if (f < 0) return -1;
        if (got == idx) return f;
        ++got;
        pos = m > 0 ? f + m : f + 1;
    }
    return -1;
}
/* the split of z[ta:tb] at the k-th match of z[da:db]: the end of the text before it or the
   start of the text after it; -1 no such match, -2 #VALUE! */
template <class C> MC_NI double dsplit(const C *z, double ta, double tb, double da, double db,
                                       double k, double mode, double end, double after) {
    int ia = (int)ta, ib = (int)tb, ja = (int)da, jb = (int)db;
    int n = ib - ia, m = jb - ja;
    if (!(fabs(k) <= 2e9) || !(mode == mode)) return -2.0;
    long long kk = (long long)k;
    long long ak = kk < 0 ? -kk : kk;
    if (kk == 0 || ak > (n > 1 ? n : 1) || (mode != 0.0 && mode != 1.0)) return -2.0;
    bool fold = mode == 1.0;
    int count = 0, pos = 0;
    while (pos <= n) {
        int f = mc_split_find(z, ia, ib, pos, ja, jb, fold);
        if (f < 0) break;
        ++count;
        pos = m > 0 ? f + m : f + 1;
    }
    int extra = end != 0.0 ? 1 : 0, total = count + extra;
    if (ak > total) return -1.0;
    int idx = kk > 0 ? (int)kk - 1 : total + (int)kk;
    int a, b;
    if (extra && kk > 0 && idx == count) { a = n; b = n; }
    else if (extra && kk < 0 && idx == 0) { a = 0; b = 0; }
    else {
        if (extra && kk < 0) --idx;
        a = mc_split_nth(z, ia, ib, ja, jb, fold, idx);
        b = a + m;
    }
    return (double)(ia + (after != 0.0 ? b : a));
}
/* ------------------------------------------------------------ end of TEXTBEFORE/TEXTAFTER */
"""
