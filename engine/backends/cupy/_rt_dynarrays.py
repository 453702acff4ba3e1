"""CUDA twins of the numba kernel's dynamic arrays (:mod:`..numba._rt_dynarrays`: FILTER,
UNIQUE, SORT and what reads them: SUMIF/COUNTIF/AVERAGEIF a row, SUM ... AVERAGE, LARGE/SMALL,
INDEX, MATCH of a number).  Private to the cupy backend: :data:`DYNARRAY_RUNTIME` is C++ source
that the generated kernel includes after :data:`._rt.RUNTIME` when a line calls one of
:data:`DYNARRAY_NAMES`.

An array is three ``double`` scratch arrays of the thread (values, error codes, kinds: 0
number, 1 logical, 2 text id, 3 blank), ``w`` values a row, and its number of rows (a double,
as the generated locals).  Each function follows its numba twin line for line, so the host
build gives numpy's numbers; the functions that return several values return a small struct
that the generated lines index as the numba lines index the tuple (``t[1]``).
"""

from __future__ import annotations

from ...values import DIV0, NA, NUM, REF, VALUE
from ..numba._rt_dynarrays import (
                                   AVERAGE,
                                   COUNT,
                                   COUNTA,
                                   IF_AVERAGE,
                                   IF_COUNT,
                                   IF_SUM,
                                   KERNEL_NAMES,
                                   MAX,
                                   MIN,
                                   PRODUCT,
                                   STDEV_P,
                                   STDEV_S,
                                   SUM,
                                   TIMES,
                                   VAR_P,
                                   VAR_S,
)
from ._rt_collation import COLLATION_RUNTIME

__all__ = ["DYNARRAY_NAMES", "DYNARRAY_RUNTIME"]

DYNARRAY_NAMES: tuple[str, ...] = tuple(KERNEL_NAMES)

_CONSTANTS = {
    "MC_DA_DIV0": float(DIV0), "MC_DA_NA": float(NA), "MC_DA_NUM": float(NUM),
    "MC_DA_REF": float(REF), "MC_DA_VALUE": float(VALUE),
    "MC_DA_SUM": SUM, "MC_DA_MIN": MIN, "MC_DA_MAX": MAX, "MC_DA_COUNT": COUNT,
    "MC_DA_COUNTA": COUNTA, "MC_DA_AVERAGE": AVERAGE, "MC_DA_PRODUCT": PRODUCT,
    "MC_DA_VAR_S": VAR_S, "MC_DA_VAR_P": VAR_P, "MC_DA_STDEV_S": STDEV_S,
    "MC_DA_STDEV_P": STDEV_P,
    "MC_DA_IF_SUM": IF_SUM, "MC_DA_IF_COUNT": IF_COUNT, "MC_DA_IF_AVERAGE": IF_AVERAGE,
    "MC_DA_TIMES": TIMES,
}

_BODY = r"""
/* ------------------------------------------------------------ dynamic arrays (da_*) */
struct mc_da2 { double v[2]; MC_HD double operator[](int i) const { return v[i]; } };
struct mc_da3 { double v[3]; MC_HD double operator[](int i) const { return v[i]; } };

MC_HD void mc_da_copy_row(const double *sv, const double *se, const double *st, long long src,
                          double *ov, double *oe, double *ot, long long dst, long long w) {
    for (long long j = 0; j < w; ++j) {
        ov[dst * w + j] = sv[src * w + j];
        oe[dst * w + j] = se[src * w + j];
        ot[dst * w + j] = st[src * w + j];
    }
}

MC_HD void mc_da_one_row(double *ov, double *oe, double *ot, long long w,
                         double v, double e, double t) {   /* one row: (v, e, t), blanks */
    ov[0] = v; oe[0] = e; ot[0] = t;
    for (long long j = 1; j < w; ++j) { ov[j] = 0.0; oe[j] = 0.0; ot[j] = 3.0; }
}

/* FILTER of m rows by one flag a row; a flag's error replaces the first value */
MC_HD double da_filter(const double *sv, const double *se, const double *st, double m, long long w,
                       const double *fv, const double *fe, double *ov, double *oe, double *ot,
                       double xv, double xe, double xt) {
    long long rows = 0;
    double err = 0.0;
    for (long long i = 0; i < (long long)m; ++i) {
        if (fe[i] != 0.0) { if (err == 0.0) err = fe[i]; continue; }
        if (fv[i] != 0.0) { mc_da_copy_row(sv, se, st, i, ov, oe, ot, rows, w); ++rows; }
    }
    if (rows == 0) {   /* nothing kept: if_empty, or a flag's error */
        mc_da_one_row(ov, oe, ot, w, xv, xe, xt);
        if (err != 0.0) { ov[0] = 0.0; oe[0] = err; ot[0] = 0.0; }
        return 1.0;
    }
    if (err != 0.0) { ov[0] = 0.0; oe[0] = err; ot[0] = 0.0; }
    return (double)rows;
}

MC_HD bool mc_da_same_row(const double *sk, const double *se, const double *st,
                          long long a, long long b, long long w) {
    for (long long j = 0; j < w; ++j) {
        long long p = a * w + j, q = b * w + j;
        if (se[p] != 0.0 || se[q] != 0.0) {
            if (se[p] != se[q]) return false;
            continue;
        }
        double cp = st[p] == 3.0 ? 0.0 : st[p], cq = st[q] == 3.0 ? 0.0 : st[q];
        if (cp != cq || sk[p] != sk[q]) return false;
    }
    return true;
}

/* UNIQUE: the first row of each distinct key (once: the keys seen once); none: #VALUE! */
MC_HD double da_unique(const double *sv, const double *se, const double *st, const double *sk,
                       double n, long long w, bool once, double *ov, double *oe, double *ot) {
    long long rows = 0, m = (long long)n;
    for (long long i = 0; i < m; ++i) {
        bool first = true;
        for (long long p = 0; p < i && first; ++p) first = !mc_da_same_row(sk, se, st, p, i, w);
        if (!first) continue;
        if (once) {
            bool again = false;
            for (long long q = i + 1; q < m && !again; ++q) again = mc_da_same_row(sk, se, st, i, q, w);
            if (again) continue;
        }
        mc_da_copy_row(sv, se, st, i, ov, oe, ot, rows, w);
        ++rows;
    }
    if (rows == 0) { mc_da_one_row(ov, oe, ot, w, 0.0, MC_DA_VALUE, 0.0); return 1.0; }
    return (double)rows;
}

MC_HD double mc_da_rank(const double *oe, const double *ot, long long p) {
    if (oe[p] != 0.0) return 3.0;   /* numbers, text, logicals, errors; blanks last */
    double t = ot[p];
    return t == 0.0 ? 0.0 : t == 2.0 ? 1.0 : t == 1.0 ? 2.0 : 4.0;
}

MC_HD bool mc_da_before(const double *ok, const double *oe, const double *ot, long long a,
                        long long b, bool desc) {
    double ra = mc_da_rank(oe, ot, a), rb = mc_da_rank(oe, ot, b);
    if (ra == 4.0 || rb == 4.0) return rb == 4.0 && ra != 4.0;
    if (ra != rb) return desc ? ra > rb : ra < rb;
    if (ra == 3.0) return false;
    return desc ? ok[a] > ok[b] : ok[a] < ok[b];
}

MC_HD void mc_da_swap(double *x, long long a, long long b) { double t = x[a]; x[a] = x[b]; x[b] = t; }

/* SORT on column col: a stable insertion sort of whole rows */
MC_HD double da_sort(const double *sv, const double *se, const double *st, const double *sk,
                     double n, long long w, double col, bool desc, double *ov, double *oe,
                     double *ot, double *ok) {
    long long m = (long long)n, c0 = (long long)col;
    for (long long i = 0; i < m; ++i) {
        mc_da_copy_row(sv, se, st, i, ov, oe, ot, i, w);
        for (long long j = 0; j < w; ++j) ok[i * w + j] = sk[i * w + j];
    }
    for (long long i = 1; i < m; ++i) {
        for (long long j = i; j > 0 && mc_da_before(ok, oe, ot, j * w + c0, (j - 1) * w + c0, desc); --j) {
            for (long long c = 0; c < w; ++c) {
                long long a = j * w + c, b = (j - 1) * w + c;
                mc_da_swap(ov, a, b); mc_da_swap(oe, a, b); mc_da_swap(ot, a, b); mc_da_swap(ok, a, b);
            }
        }
    }
    return (double)m;
}

/* SUMIF/COUNTIF/AVERAGEIF with one criterion a row */
MC_HD double da_ifs(const double *cv, const double *ce, const double *ct, double n,
                    const double *rv, const double *re, const double *rt, const double *rx,
                    const double *sv, const double *se, const double *st, double m, int how,
                    double *ov, double *oe, double *ot) {
    for (long long i = 0; i < (long long)n; ++i) {
        double c = cv[i], cerr = ce[i], ck = ct[i];
        if (ck == 3.0) { c = 0.0; ck = 0.0; }
        double total = 0.0, counted = 0.0, err = 0.0;
        for (long long j = 0; j < (long long)m; ++j) {
            bool hit;
            if (cerr != 0.0) hit = re[j] == cerr;
            else if (re[j] != 0.0) hit = false;
            else if (ck == 0.0) hit = (rt[j] == 0.0 && rv[j] == c) || (rt[j] == 2.0 && rx[j] == c);
            else hit = rt[j] == 1.0 && rv[j] == c;
            if (!hit) continue;
            if (how == MC_DA_IF_COUNT) { counted += 1.0; continue; }
            if (se[j] != 0.0) { if (err == 0.0) err = se[j]; continue; }
            if (st[j] == 0.0) { total += sv[j]; counted += 1.0; }
        }
        ov[i] = 0.0; ot[i] = 0.0;
        if (how == MC_DA_IF_COUNT) { ov[i] = counted; oe[i] = 0.0; }
        else if (how == MC_DA_IF_SUM) { ov[i] = total; oe[i] = err; }
        else {
            oe[i] = err != 0.0 ? err : (counted == 0.0 ? MC_DA_DIV0 : 0.0);
            ov[i] = oe[i] == 0.0 ? total / counted : 0.0;
        }
        if (oe[i] == 0.0 && !isfinite(ov[i])) { ov[i] = 0.0; oe[i] = MC_DA_NUM; }
    }
    return n;
}

/* stats._var of an array's numbers (no error among them): squared deviations from the mean
   added in order, over cnt - ddof, never below 0, the root for STDEV; -1.0: #DIV/0! */
MC_HD double mc_da_variance(const double *sv, const double *st, double n, double total,
                            double cnt, int how) {
    double ddof = (how == MC_DA_VAR_S || how == MC_DA_STDEV_S) ? 1.0 : 0.0;
    if (cnt <= ddof) return -1.0;
    double mean = total / cnt, ss = 0.0;
    for (long long i = 0; i < (long long)n; ++i) {
        if (st[i] == 0.0) { double d = sv[i] - mean; ss += d * d; }
    }
    double v = ss / (cnt - ddof);
    if (v < 0.0) v = 0.0;
    return (how == MC_DA_STDEV_S || how == MC_DA_STDEV_P) ? sqrt(v) : v;
}

/* rows idx[0..n) of an array of w values a row, in that order; returns n */
MC_HD double da_take(const double *sv, const double *se, const double *st, const double *idx,
                     double n, long long w, double *ov, double *oe, double *ot) {
    for (long long i = 0; i < (long long)n; ++i)
        mc_da_copy_row(sv, se, st, (long long)idx[i], ov, oe, ot, i, w);
    return n;
}

/* SUM ... AVERAGE, VAR/STDEV of an array (its numbers; its first error wins): (value, error) */
MC_HD mc_da2 da_agg(const double *sv, const double *se, const double *st, double n, int how) {
    double acc = how == MC_DA_PRODUCT ? 1.0 : 0.0, cnt = 0.0, lo = MC_INF, hi = -MC_INF;
    for (long long i = 0; i < (long long)n; ++i) {
        if (se[i] != 0.0) {
            if (how == MC_DA_COUNT || how == MC_DA_COUNTA) {
                cnt += how == MC_DA_COUNTA ? 1.0 : 0.0;
                continue;
            }
            return mc_da2{{0.0, se[i]}};
        }
        if (how == MC_DA_COUNTA) { cnt += st[i] != 3.0 ? 1.0 : 0.0; continue; }
        if (st[i] != 0.0) continue;
        double x = sv[i];
        cnt += 1.0;
        if (how == MC_DA_PRODUCT) acc *= x; else acc += x;
        lo = pymin(lo, x);
        hi = pymax(hi, x);
    }
    if (how == MC_DA_COUNT || how == MC_DA_COUNTA) return mc_da2{{cnt, 0.0}};
    if (how == MC_DA_MIN) acc = cnt > 0.0 ? lo : 0.0;
    else if (how == MC_DA_MAX) acc = cnt > 0.0 ? hi : 0.0;
    else if (how == MC_DA_AVERAGE) {
        if (cnt == 0.0) return mc_da2{{0.0, MC_DA_DIV0}};
        acc = acc / cnt;
    } else if (how == MC_DA_PRODUCT && cnt == 0.0) acc = 0.0;
    else if (how >= MC_DA_VAR_S) {
        acc = mc_da_variance(sv, st, n, acc, cnt, how);
        if (acc < 0.0) return mc_da2{{0.0, MC_DA_DIV0}};
    }
    if (!isfinite(acc)) return mc_da2{{0.0, MC_DA_NUM}};
    return mc_da2{{acc, 0.0}};
}

/* LARGE/SMALL at k: (value, first error, count of numbers); z: scratch for the numbers */
MC_HD mc_da3 da_kth(const double *sv, const double *se, const double *st, double n, double *z,
                    double k, bool large) {
    long long cnt = 0;
    for (long long i = 0; i < (long long)n; ++i) {
        if (se[i] != 0.0) return mc_da3{{0.0, se[i], 0.0}};
        if (st[i] == 0.0) z[cnt++] = sv[i];
    }
    if (cnt == 0 || !(1.0 <= k && k <= (double)cnt)) return mc_da3{{0.0, 0.0, (double)cnt}};
    for (long long i = 1; i < cnt; ++i) {   /* ascending, NaN last (numpy's sort order) */
        double x = z[i];
        long long j = i;
        while (j > 0 && (z[j - 1] > x || (z[j - 1] != z[j - 1] && x == x))) { z[j] = z[j - 1]; --j; }
        z[j] = x;
    }
    long long j = large ? cnt - (long long)k : (long long)k - 1;
    return mc_da3{{z[j], 0.0, (double)cnt}};
}

/* value (r, c) of the array, 0-based: (value, error, tag); outside it: #REF! */
MC_HD mc_da3 da_pick(const double *sv, const double *se, const double *st, double n, long long w,
                     double r, double c) {
    if (!(0.0 <= r && r < n && 0.0 <= c && c < (double)w)) return mc_da3{{0.0, MC_DA_REF, 0.0}};
    long long p = (long long)r * w + (long long)c;
    return mc_da3{{sv[p], se[p], st[p]}};
}

/* the keys of the text values made per trial (z[ps[p]:pe[p]]): their rank among the distinct
   texts in Excel's order (a stable merge sort of the text positions in tmp, 2 m doubles);
   numba/_rt_collation.dcoll's order (ASCII: first-level weights without ' and -, then the
   folded texts with those last), written here so that this part stands alone */
#ifdef __CUDACC__
#define MC_DA_NI __host__ __device__ __noinline__
#else
#define MC_DA_NI static
#endif
@COLLATION@
template <class C> MC_HD double da_tcoll(const C *z, double a, double b, double c, double d) {
    return mc_coll2(z, a, b, z, c, d);
}
template <class C> MC_HD double mc_da_tcmp(const C *z, const double *ps, const double *pe,
                                           long long a, long long b) {
    return mc_coll2(z, ps[a], pe[a], z, ps[b], pe[b]);
}

template <class C> MC_DA_NI double da_tkeys(const C *z, const double *ps, const double *pe,
                                         const double *se, const double *st, double *sk,
                                         double m, double *tmp) {
    long long cnt = 0, mm = (long long)m;
    for (long long p = 0; p < mm; ++p)
        if (st[p] == 2.0 && se[p] == 0.0) tmp[cnt++] = (double)p;
    long long src = 0, dst = mm;
    for (long long width = 1; width < cnt; width *= 2) {
        for (long long i = 0; i < cnt; i += 2 * width) {
            long long mid = i + width < cnt ? i + width : cnt;
            long long hi = i + 2 * width < cnt ? i + 2 * width : cnt;
            long long a = i, b = mid;
            for (long long k = i; k < hi; ++k) {
                if (b >= hi || (a < mid && mc_da_tcmp(z, ps, pe, (long long)tmp[src + b],
                                                      (long long)tmp[src + a]) >= 0.0))
                    tmp[dst + k] = tmp[src + a++];
                else
                    tmp[dst + k] = tmp[src + b++];
            }
        }
        long long x = src; src = dst; dst = x;
    }
    double rank = -1.0;
    long long prev = -1;
    for (long long j = 0; j < cnt; ++j) {
        long long p = (long long)tmp[src + j];
        if (prev < 0 || mc_da_tcmp(z, ps, pe, prev, p) != 0.0) rank += 1.0;
        sk[p] = rank;
        prev = p;
    }
    return (double)cnt;
}

/* how many of FILTER's m rows are kept (0: the spill is if_empty or a flag's error alone) */
MC_HD double da_kept(const double *fv, const double *fe, double m) {
    double kept = 0.0;
    for (long long i = 0; i < (long long)m; ++i)
        if (fe[i] == 0.0 && fv[i] != 0.0) kept += 1.0;
    return kept;
}

/* MATCH(key, array, 0) of a number or a logical key (blank: 0): (position, error) */
MC_HD mc_da2 da_match(const double *sv, const double *se, const double *st, double n,
                      double key, double ktag) {
    if (ktag == 3.0) { key = 0.0; ktag = 0.0; }
    for (long long i = 0; i < (long long)n; ++i)
        if (se[i] == 0.0 && st[i] == ktag && sv[i] == key) return mc_da2{{(double)(i + 1), 0.0}};
    return mc_da2{{0.0, MC_DA_NA}};
}

/* IFERROR (IFNA where na_only) of each of the n rows of w values: an error (#N/A only for
   IFNA) replaced by the fallback (x*), the rest as it is; returns n */
MC_HD double da_iferror(const double *sv, const double *se, const double *st, double n,
                        long long w, double na_only, double *ov, double *oe, double *ot,
                        double xv, double xe, double xt) {
    for (long long i = 0; i < (long long)n * w; ++i) {
        if (se[i] != 0.0 && (na_only == 0.0 || se[i] == MC_DA_NA)) {
            ov[i] = xv; oe[i] = xe; ot[i] = xt;
        } else {
            ov[i] = sv[i]; oe[i] = se[i]; ot[i] = st[i];
        }
    }
    return n;
}

MC_HD bool mc_da_flag(double c, double op) {   /* cmp15's c meets OP (CMP_OPS) */
    return op == 0.0 ? c == 0.0 : op == 1.0 ? c != 0.0 : op == 2.0 ? c < 0.0
         : op == 3.0 ? c <= 0.0 : op == 4.0 ? c > 0.0 : c >= 0.0;
}

MC_HD void mc_da_put_flag(double *out, double *oute, long long i, double f, double e,
                          double how) {   /* put, multiplied in or added; errors before first */
    if (how == 0.0) { out[i] = f; oute[i] = e; return; }
    out[i] = how == MC_DA_TIMES ? out[i] * f : out[i] + f;
    if (oute[i] == 0.0) oute[i] = e;
}

/* FILTER's flag of each of m rows: x OP kv[off + i] (cmp15; xk: x is text or a logical, above
   every number), its error xe; returns m */
MC_HD double da_cmpcol(double *out, double *oute, const double *kv, double off, double m,
                       double x, double xe, double xk, double op, double how) {
    for (long long i = 0; i < (long long)m; ++i) {
        double c = xk != 0.0 ? 1.0 : cmp15(x, kv[(long long)off + i]);
        double f = mc_da_flag(c, op) ? 1.0 : 0.0;
        mc_da_put_flag(out, oute, i, f, xe, how);
    }
    return m;
}

/* as da_cmpcol, the rows' numbers made per trial (sv, errors se); the left operand's error
   first (xleft: x is on the left) */
MC_HD double da_cmparr(double *out, double *oute, const double *sv, const double *se,
                       double m, double x, double xe, double xk, double op, double how,
                       double xleft) {
    for (long long i = 0; i < (long long)m; ++i) {
        double e = xleft != 0.0 ? (xe != 0.0 ? xe : se[i]) : (se[i] != 0.0 ? se[i] : xe);
        double c = xk != 0.0 ? 1.0 : cmp15(x, sv[i]);
        double f = (e == 0.0 && mc_da_flag(c, op)) ? 1.0 : 0.0;
        mc_da_put_flag(out, oute, i, f, e, how);
    }
    return m;
}

/* out times (MC_DA_TIMES) or plus a, row by row, the errors of out first; returns m */
MC_HD double da_comb(double *out, double *oute, const double *a, const double *ae, double m,
                     double how) {
    for (long long i = 0; i < (long long)m; ++i) mc_da_put_flag(out, oute, i, a[i], ae[i], how);
    return m;
}

/* the first error code of n values (0: none) */
MC_HD double da_error(const double *se, double n) {
    for (long long i = 0; i < (long long)n; ++i)
        if (se[i] != 0.0) return se[i];
    return 0.0;
}

/* FILTER whose if_empty is one row of w values (x*): that row where nothing is kept and no
   flag is an error */
MC_HD double da_filter_row(const double *sv, const double *se, const double *st, double m,
                           long long w, const double *fv, const double *fe, double *ov,
                           double *oe, double *ot, const double *xv, const double *xe,
                           const double *xt) {
    double n = da_filter(sv, se, st, m, w, fv, fe, ov, oe, ot, xv[0], xe[0], xt[0]);
    if (da_kept(fv, fe, m) == 0.0 && da_error(fe, m) == 0.0)
        mc_da_copy_row(xv, xe, xt, 0, ov, oe, ot, 0, w);
    return n;
}

/* the keys UNIQUE/SORT compare of n values: a text id's rank (kv[off + id]), a blank 0 */
MC_HD double da_rekey(const double *sv, const double *st, double n, const double *kv,
                      double off, double *ok) {
    for (long long i = 0; i < (long long)n; ++i)
        ok[i] = st[i] == 2.0 ? kv[(long long)off + (long long)sv[i]] : st[i] == 3.0 ? 0.0 : sv[i];
    return n;
}

/* n rows of w values (one value where one) from row at of an array ow wide, #N/A past w */
MC_HD long long mc_da_stack_rows(const double *sv, const double *se, const double *st, double n,
                                 long long w, double one, long long at, long long ow,
                                 double *ov, double *oe, double *ot) {
    long long rows = one != 0.0 ? 1 : (long long)n, have = one != 0.0 ? 1 : w;
    for (long long i = 0; i < rows; ++i)
        for (long long j = 0; j < ow; ++j) {
            long long p = (at + i) * ow + j;
            if (j < have) { ov[p] = sv[i * w + j]; oe[p] = se[i * w + j]; ot[p] = st[i * w + j]; }
            else { ov[p] = 0.0; oe[p] = MC_DA_NA; ot[p] = 0.0; }
        }
    return rows;
}

/* VSTACK of two arrays: a's rows then b's, w values a row; returns the rows */
MC_HD double da_vstack(const double *av, const double *ae, const double *at, double an,
                       long long aw, double aone, const double *bv, const double *be,
                       const double *bt, double bn, long long bw, double bone, long long w,
                       double *ov, double *oe, double *ot) {
    long long rows = mc_da_stack_rows(av, ae, at, an, aw, aone, 0, w, ov, oe, ot);
    rows += mc_da_stack_rows(bv, be, bt, bn, bw, bone, rows, w, ov, oe, ot);
    return (double)rows;
}

/* column j of CHOOSE over a row of choices (w values a row, n rows): the value's rows (its
   one row in each where it has one), #N/A from row lim on; returns n */
MC_HD double da_choose_col(const double *sv, const double *se, const double *st, double rows,
                         double n, double lim, long long j, long long w, double *ov,
                         double *oe, double *ot) {
    for (long long i = 0; i < (long long)n; ++i) {
        long long p = i * w + j;
        if ((double)i >= lim) { ov[p] = 0.0; oe[p] = MC_DA_NA; ot[p] = 0.0; }
        else {
            long long q = rows == 1.0 ? 0 : i;
            ov[p] = sv[q]; oe[p] = se[q]; ot[p] = st[q];
        }
    }
    return n;
}

/* CHOOSECOLS of n rows of w values, columns kv[off:off + k]; one value: itself in each
   column where every column asked is 1 or -1 (pm1), else #VALUE! */
MC_HD double da_cols(const double *sv, const double *se, const double *st, double n, long long w,
                     double one, const double *kv, double off, long long k, double pm1,
                     double *ov, double *oe, double *ot) {
    if (one != 0.0) {
        for (long long j = 0; j < k; ++j) {
            if (pm1 != 0.0) { ov[j] = sv[0]; oe[j] = se[0]; ot[j] = st[0]; }
            else { ov[j] = 0.0; oe[j] = 0.0; ot[j] = 3.0; }
        }
        if (pm1 == 0.0) { ov[0] = 0.0; oe[0] = MC_DA_VALUE; ot[0] = 0.0; }
        return 1.0;
    }
    for (long long i = 0; i < (long long)n; ++i)
        for (long long j = 0; j < k; ++j) {
            long long p = i * k + j, q = i * w + (long long)kv[(long long)off + j];
            ov[p] = sv[q]; oe[p] = se[q]; ot[p] = st[q];
        }
    return n;
}

/* operators._key of a value (tag t) against one of tag other: class (0 number, 1 text,
   2 logical) and its number, text rank or logical; a blank as the other's empty value */
MC_HD void mc_da_cmp_key(double v, double t, double other, const double *kv, double off,
                         double empty, double *cls, double *key) {
    if (t == 3.0) {
        if (other == 2.0) { *cls = 1.0; *key = empty; }
        else if (other == 1.0) { *cls = 2.0; *key = 0.0; }
        else { *cls = 0.0; *key = 0.0; }
    } else if (t == 2.0) { *cls = 1.0; *key = kv[(long long)off + (long long)v]; }
    else if (t == 1.0) { *cls = 2.0; *key = v; }
    else { *cls = 0.0; *key = v; }
}

/* each of n values compared with one value x (on the left where not left) by op */
MC_HD double da_cmpval(const double *sv, const double *se, const double *st, double n,
                       const double *kv, double off, double empty, double xv, double xe,
                       double xt, double op, double left, double *ov, double *oe, double *ot) {
    for (long long i = 0; i < (long long)n; ++i) {
        double e = se[i] != 0.0 ? se[i] : xe;
        if (left == 0.0) e = xe != 0.0 ? xe : se[i];
        double ca, a, cb, b;
        mc_da_cmp_key(sv[i], st[i], xt, kv, off, empty, &ca, &a);
        mc_da_cmp_key(xv, xt, st[i], kv, off, empty, &cb, &b);
        if (left == 0.0) { double t1 = ca, t2 = a; ca = cb; a = b; cb = t1; b = t2; }
        double c;
        if (ca != cb) c = ca < cb ? -1.0 : 1.0;
        else if (ca == 0.0) c = cmp15(a, b);
        else c = a == b ? 0.0 : (a < b ? -1.0 : 1.0);
        ov[i] = (e == 0.0 && mc_da_flag(c, op)) ? 1.0 : 0.0; oe[i] = e; ot[i] = 1.0;
    }
    return n;
}

/* -x of each of n values: logicals negated, a blank 0, text by its number kv[off + id]
   (NaN: #VALUE!), errors kept */
MC_HD double da_neg(const double *sv, const double *se, const double *st, double n,
                    const double *kv, double off, double *ov, double *oe, double *ot) {
    for (long long i = 0; i < (long long)n; ++i) {
        double x = sv[i], e = se[i];
        if (e == 0.0 && st[i] == 3.0) x = 0.0;
        else if (e == 0.0 && st[i] == 2.0) {
            x = kv[(long long)off + (long long)sv[i]];
            if (x != x) { x = 0.0; e = MC_DA_VALUE; }
        }
        ov[i] = e != 0.0 ? 0.0 : -x; oe[i] = e; ot[i] = 0.0;
    }
    return n;
}

/* key column j of nk into zk/ze/zt, nk a row */
MC_HD double da_keycol(const double *kk, const double *ke, const double *kt, double n,
                       long long nk, long long j, double *zk, double *ze, double *zt) {
    for (long long i = 0; i < (long long)n; ++i) {
        long long p = i * nk + j;
        zk[p] = kk[i]; ze[p] = ke[i]; zt[p] = kt[i];
    }
    return n;
}

MC_HD bool mc_da_row_before(const double *zk, const double *ze, const double *zt, long long nk,
                            const double *kv, double off, long long a, long long b) {
    for (long long j = 0; j < nk; ++j) {
        long long p = a * nk + j, q = b * nk + j;
        bool desc = kv[(long long)off + j] != 0.0;
        if (mc_da_before(zk, ze, zt, p, q, desc)) return true;
        if (mc_da_before(zk, ze, zt, q, p, desc)) return false;
    }
    return false;
}

/* SORTBY of n rows of w values by nk keys a row: a stable sort on the keys in order */
MC_HD double da_sortby(const double *sv, const double *se, const double *st, double n,
                       long long w, const double *zk, const double *ze, const double *zt,
                       long long nk, const double *kv, double off, double *idx, double *ov,
                       double *oe, double *ot) {
    long long m = (long long)n;
    for (long long i = 0; i < m; ++i) idx[i] = (double)i;
    for (long long i = 1; i < m; ++i)
        for (long long j = i; j > 0 && mc_da_row_before(zk, ze, zt, nk, kv, off,
                                                         (long long)idx[j], (long long)idx[j - 1]); --j)
            mc_da_swap(idx, j, j - 1);
    for (long long i = 0; i < m; ++i)
        mc_da_copy_row(sv, se, st, (long long)idx[i], ov, oe, ot, i, w);
    return n;
}

/* TEXTJOIN of the n values of an array at z[pos:]: text ids, numbers in General format,
   blanks ""; the delimiter before each value kept after the first; empty ones left out
   where ign; a value with an error writes nothing; returns the end */
template <class C> MC_HD double da_textjoin(C *z, double pos, const double *sv,
                                            const double *se, const double *st, double n,
                                            const double *kv, double off, double nids,
                                            double soff, double slen, double ign) {
    double p = pos;
    bool first = true;
    for (long long i = 0; i < (long long)n; ++i) {
        if (se[i] != 0.0) continue;
        double start = p;
        if (!first) p = dput_tab(z, p, kv, soff, slen);
        double body = p;
        if (st[i] == 2.0) p = dput_id(z, p, kv, off, sv[i], nids);
        else if (st[i] == 0.0) p = dput_num(z, p, sv[i]);
        if (ign != 0.0 && p == body) { p = start; continue; }
        first = false;
    }
    return p;
}
"""

DYNARRAY_RUNTIME: str = "".join(f"#define {k} {v!r}\n" for k, v in _CONSTANTS.items()) + \
    _BODY.replace("@COLLATION@", COLLATION_RUNTIME)
