"""CUDA twin of :mod:`engine.backends.numba._rt_collation` (Excel's order of texts made per
trial): ``mc_coll2``, included by the dynamic arrays' and the lookup lines' runtimes
(guarded: either or both); it stands alone."""

from __future__ import annotations

from ...functions._collation import LATIN_END, LATIN_M, LATIN_P, LATIN_TB, LATIN_TM


def _table(name: str, values: object) -> str:
    flat = ", ".join(f"{float(v)!r}" for v in values)   # type: ignore[attr-defined]
    return (f"#ifdef __CUDACC__\n__constant__ double {name}[] = {{{flat}}};\n#else\n"
            f"static const double {name}[] = {{{flat}}};\n#endif\n")


__all__ = ["COLLATION_RUNTIME"]

COLLATION_RUNTIME = "#ifndef MC_COLL_DEFINED\n#define MC_COLL_DEFINED\n" + "".join(
    _table(n, v) for n, v in (("mc_coll_p", LATIN_P), ("mc_coll_m", LATIN_M),
                              ("mc_coll_tbt", LATIN_TB), ("mc_coll_tmt", LATIN_TM))) + r"""
/* Excel's order of texts (numba/_rt_collation.py): first-level weights (0: ' and -,
   ignored), then the accents, then the folded texts with the ignored characters last; 0
   only for texts equal case aside */
#define MC_COLL_END @END@
MC_HD double mc_coll_prim(int c) { return 0 <= c && c < MC_COLL_END ? mc_coll_p[c] : 256.0 + c; }
MC_HD double mc_coll_mark(int c) { return 0 <= c && c < MC_COLL_END ? mc_coll_m[c] : 0.0; }
MC_HD double mc_coll_tb(int c) { return 0 <= c && c < MC_COLL_END ? mc_coll_tbt[c] : (double)c; }
MC_HD double mc_coll_tm(int c) { return 0 <= c && c < MC_COLL_END ? mc_coll_tmt[c] : 0.0; }
/* the next symbol of z[*i:n] at the accent level (level 0: 1 for each letter, then its
   accent) or the last (level 1: the folded letter, then its accent); -1 at the end */
template <class A> MC_HD double mc_coll_next(const A *z, long long *i, long long n, int *s,
                                             int level) {
    if (level == 0) while (*s == 0 && *i < n && mc_coll_prim((int)z[*i]) == 0.0) ++*i;
    if (*i >= n) { *s = 0; return -1.0; }
    int c = (int)z[*i];
    double accent = level == 0 ? mc_coll_mark(c) : mc_coll_tm(c);
    if (*s == 0) {
        double first = level == 0 ? 1.0 : mc_coll_tb(c);
        if (accent > 0.0) *s = 1;
        else ++*i;
        return first;
    }
    *s = 0;
    ++*i;
    return accent;
}
template <class A, class B> MC_HD double mc_coll2(const A *za, double a, double b,
                                                  const B *zb, double c, double d) {
    long long i = (long long)a, n = (long long)b, j = (long long)c, m = (long long)d;
    while (true) {
        while (i < n && mc_coll_prim((int)za[i]) == 0.0) ++i;
        while (j < m && mc_coll_prim((int)zb[j]) == 0.0) ++j;
        if (i >= n || j >= m) break;
        double p = mc_coll_prim((int)za[i]), q = mc_coll_prim((int)zb[j]);
        if (p != q) return p < q ? -1.0 : 1.0;
        ++i;
        ++j;
    }
    if (i < n || j < m) return i >= n ? -1.0 : 1.0;
    for (int level = 0; level < 2; ++level) {
        long long x = (long long)a, y = (long long)c;
        int sx = 0, sy = 0;
        while (true) {
            double p = mc_coll_next(za, &x, n, &sx, level);
            double q = mc_coll_next(zb, &y, m, &sy, level);
            if (p != q) return p < q ? -1.0 : 1.0;
            if (p < 0.0) break;
        }
    }
    return 0.0;
}
#endif
""".replace("@END@", str(LATIN_END))
