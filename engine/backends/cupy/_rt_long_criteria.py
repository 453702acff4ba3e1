"""CUDA twins of the numba kernel's criteria over long ranges of constants
(:mod:`..numba._rt_long_criteria`: ``lcrit_count``, ``lcrit_fold``, ``lcrit_zfold`` over
gathered ranges, ``lcrit_mfold`` over gathered ranges of constants and cells that vary).  Private to the cupy
backend: :data:`LONG_CRITERIA_RUNTIME` is C++ source that the generated kernel includes when a
line calls one of :data:`LONG_CRITERIA_NAMES`; each function follows its numba twin line for
line (the same comparisons, the same additions in the same order)."""

from __future__ import annotations

from ..numba._rt_long_criteria import ALWAYS, KERNEL_NAMES, MASK, NEVER

__all__ = ["LONG_CRITERIA_NAMES", "LONG_CRITERIA_RUNTIME"]

LONG_CRITERIA_NAMES: tuple[str, ...] = tuple(KERNEL_NAMES)

_BODY = r"""
/* ------------------------------------------------ criteria over long ranges (numba/_rt_long_criteria.py) */
MC_HD bool mc_lcrit_cmp(double a, long long op, double x) {
    if (op == 0) return a == x;
    if (op == 1) return !(a == x);
    if (op == 2) return a < x;
    if (op == 3) return a <= x;
    if (op == 4) return a > x;
    return a >= x;
}
MC_HD bool mc_lcrit_hit(const double *kv, long long i, long long op, long long oa, long long ob,
                        double x) {
    if (op == @MASK@) return kv[oa + i] != 0.0;
    if (op == @NEVER@) return false;
    return mc_lcrit_cmp(op == 0 ? kv[ob + i] : kv[oa + i], op, x);
}
MC_HD long long mc_lcrit_rank(const double *kv, long long off, long long n, double x, bool right) {
    long long lo = 0, hi = n;
    while (lo < hi) {
        long long mid = (lo + hi) / 2;
        double v = kv[off + mid];
        if (v < x || (right && v == x)) lo = mid + 1; else hi = mid;
    }
    return lo;
}
MC_HD double lcrit_count(const double *kv, double n, double opf, double oaf, double naf,
                         double obf, double nbf, double x) {
    long long op = (long long)opf, oa = (long long)oaf, na = (long long)naf;
    long long ob = (long long)obf, nb = (long long)nbf;
    if (op == @NEVER@) return 0.0;
    if (op == 0) return (double)(mc_lcrit_rank(kv, ob, nb, x, true) - mc_lcrit_rank(kv, ob, nb, x, false));
    if (op == 1) return (double)((long long)n - (mc_lcrit_rank(kv, oa, na, x, true)
                                                - mc_lcrit_rank(kv, oa, na, x, false)));
    if (op == 2) return (double)mc_lcrit_rank(kv, oa, na, x, false);
    if (op == 3) return (double)mc_lcrit_rank(kv, oa, na, x, true);
    if (op == 4) return (double)(na - mc_lcrit_rank(kv, oa, na, x, true));
    return (double)(na - mc_lcrit_rank(kv, oa, na, x, false));
}
MC_HD double lcrit_fold(const double *kv, double n, double howf, double otf,
                        double op1f, double oa1f, double ob1f, double x1,
                        double op2f, double oa2f, double ob2f, double x2) {
    long long how = (long long)howf, op1 = (long long)op1f, op2 = (long long)op2f;
    long long oa1 = (long long)oa1f, ob1 = (long long)ob1f, oa2 = (long long)oa2f;
    long long ob2 = (long long)ob2f, ot = (long long)otf;
    double acc = 0.0, ext = MC_NAN;
    for (long long i = 0; i < (long long)n; ++i) {
        if (!mc_lcrit_hit(kv, i, op1, oa1, ob1, x1)) continue;
        if (op2 >= 0 && !mc_lcrit_hit(kv, i, op2, oa2, ob2, x2)) continue;
        if (how == 0) { acc = acc + 1.0; continue; }
        double t = kv[ot + i];
        if (t != t) continue;
        if (how == 1) acc = acc + t;
        else if (how == 4) acc = acc + 1.0;
        else if (ext != ext) ext = t;
        else if (how == 2) ext = pymin(ext, t);
        else ext = pymax(ext, t);
    }
    return (how == 2 || how == 3) ? ext : acc;
}
MC_HD bool mc_lcrit_zhit(const double *z, long long i, long long op, double x) {
    if (op == @NEVER@) return false;
    if (op == @ALWAYS@) return true;
    return mc_lcrit_cmp(z[i], op, x);
}
MC_HD double lcrit_zfold(const double *z1, const double *z2, const double *zt, double n,
                         double howf, double op1f, double x1, double op2f, double x2) {
    long long how = (long long)howf, op1 = (long long)op1f, op2 = (long long)op2f;
    double acc = 0.0, ext = MC_NAN;
    for (long long i = 0; i < (long long)n; ++i) {
        if (!mc_lcrit_zhit(z1, i, op1, x1)) continue;
        if (op2 >= 0 && !mc_lcrit_zhit(z2, i, op2, x2)) continue;
        if (how == 0 || how == 4) { acc = acc + 1.0; continue; }
        double t = zt[i];
        if (how == 1) acc = acc + t;
        else if (ext != ext) ext = t;
        else if (how == 2) ext = pymin(ext, t);
        else ext = pymax(ext, t);
    }
    return (how == 2 || how == 3) ? ext : acc;
}
MC_HD bool mc_lcrit_mhit(const double *kv, const double *z, long long i, long long op, double x,
                         long long codes, long long eqs) {
    double code = kv[codes + i];
    if (code == 0.0) return false;   /* CODE_MISS */
    if (code == 1.0) return true;    /* CODE_HIT */
    if (op == @NEVER@) return false;
    if (code == 3.0 && op == 0) return mc_lcrit_cmp(kv[eqs + i], op, x);   /* CODE_TEXT */
    return mc_lcrit_cmp(z[i], op, x);
}
MC_HD double lcrit_mfold(const double *kv, const double *z1, const double *z2, const double *zt,
                         double n, double howf, double op1f, double x1, double c1f, double e1f,
                         double op2f, double x2, double c2f, double e2f) {
    long long how = (long long)howf, op1 = (long long)op1f, op2 = (long long)op2f;
    long long c1 = (long long)c1f, e1 = (long long)e1f, c2 = (long long)c2f, e2 = (long long)e2f;
    double acc = 0.0, ext = MC_NAN;
    for (long long i = 0; i < (long long)n; ++i) {
        if (!mc_lcrit_mhit(kv, z1, i, op1, x1, c1, e1)) continue;
        if (op2 >= 0 && !mc_lcrit_mhit(kv, z2, i, op2, x2, c2, e2)) continue;
        if (how == 0) { acc = acc + 1.0; continue; }
        double t = zt[i];
        if (how == 5) { if (t != 0.0) return t; continue; }   /* FIRST_ERROR */
        if (t != t) continue;
        if (how == 1) acc = acc + t;
        else if (how == 4) acc = acc + 1.0;
        else if (ext != ext) ext = t;
        else if (how == 2) ext = pymin(ext, t);
        else ext = pymax(ext, t);
    }
    return (how == 2 || how == 3) ? ext : acc;
}
"""

LONG_CRITERIA_RUNTIME = _BODY.replace("@MASK@", str(MASK)).replace("@NEVER@", str(NEVER)) \
    .replace("@ALWAYS@", str(ALWAYS))
