"""CUDA twins of :mod:`engine.backends.numba._dcriteria_rt`: criteria made per trial
(COUNTIF(r, B1&"*"), SUMIF(r, "<"&TEXT(d,"yyyy-mm-dd")), ...) parsed in the dynamic text
buffer as ``engine.functions._criteria.parse`` parses them, and matched against a range
cell as ``_criteria.match`` does.  Appended to :data:`._rt_dtext.DTEXT_READ_RUNTIME` (it
uses ``mc_fold`` of ``DTEXT_RUNTIME``); the criterion's number is ``_rt_dvalue``'s ``dnum``,
called by the generated code itself.
"""

from __future__ import annotations

from ..numba._dcriteria_rt import ERRORS, KERNEL_NAMES
from ._rt_collation import COLLATION_RUNTIME

__all__ = ["DCRITERIA_NAMES", "DCRITERIA_RUNTIME"]

DCRITERIA_NAMES: tuple[str, ...] = tuple(KERNEL_NAMES)

_ERRORS = ", ".join(f"{x:.1f}" for x in ERRORS)

DCRITERIA_RUNTIME = COLLATION_RUNTIME + r"""
/* ------------------------------------------------------------ criteria made per trial (numba/_dcriteria_rt.py) */
#ifdef __CUDACC__
__constant__ double mc_crit_errors[] = {@ERRORS@};
#else
static const double mc_crit_errors[] = {@ERRORS@};
#endif
#define MC_CRIT_ERR(j) (mc_crit_errors[j])
/* where the operand of the criterion z[a:b] starts (after <=, >=, <>, <, >, =) */
template <class C> MC_NI double dcrit_rest(const C *z, double a, double b) {
    int ia = (int)a, ib = (int)b;
    if (ia >= ib) return a;
    int c = (int)z[ia];
    if (ia + 1 < ib) {
        int d = (int)z[ia + 1];
        if ((c == 60 || c == 62) && d == 61) return a + 2.0;
        if (c == 60 && d == 62) return a + 2.0;
    }
    if (c == 60 || c == 62 || c == 61) return a + 1.0;
    return a;
}
template <class C> MC_HD int mc_crit_upper(const C *z, int j) {
    int c = (int)z[j];
    return 97 <= c && c <= 122 ? c - 32 : c;
}
/* _criteria.parse of z[a:b] (x: parse_number of the operand, NaN: none), packed as
   op + 8 * kind + 128 * value (kinds: num bool err text wild blank empty nonblank never) */
template <class C> MC_NI double dcrit_kind(const C *z, double a, double b, double x) {
    int ia = (int)a, ib = (int)b;
    int p = (int)dcrit_rest(z, a, b);
    int n = p - ia, op = 0;
    if (n == 2) op = (int)z[ia + 1] == 62 ? 1 : (int)z[ia] == 60 ? 3 : 5;
    else if (n == 1) { int c = (int)z[ia]; op = c == 60 ? 2 : c == 62 ? 4 : 0; }
    if (x == x) return (double)op;
    if (p >= ib) {
        if (op == 0) return 8.0 * (n > 0 ? 5 : 6);
        return 8.0 * (op == 1 ? 7 : 8);
    }
    int m = ib - p;
    if (m == 4 && mc_crit_upper(z, p) == 84 && mc_crit_upper(z, p + 1) == 82
        && mc_crit_upper(z, p + 2) == 85 && mc_crit_upper(z, p + 3) == 69)
        return (double)(op + 8 * 1 + 128);
    if (m == 5 && mc_crit_upper(z, p) == 70 && mc_crit_upper(z, p + 1) == 65
        && mc_crit_upper(z, p + 2) == 76 && mc_crit_upper(z, p + 3) == 83
        && mc_crit_upper(z, p + 4) == 69)
        return (double)(op + 8 * 1);
    if (op == 0 || op == 1) {
        int count = (int)MC_CRIT_ERR(0), at = 1;
        for (int t = 0; t < count; ++t) {
            int len = (int)MC_CRIT_ERR(at + 1);
            if (len == m) {
                bool same = true;
                for (int j = 0; j < m; ++j)
                    if ((double)mc_crit_upper(z, p + j) != MC_CRIT_ERR(at + 2 + j)) { same = false; break; }
                if (same) return (double)(op + 8 * 2 + 128 * (int)MC_CRIT_ERR(at));
            }
            at += 2 + len;
        }
        for (int j = p; j < ib; ++j) {
            int c = (int)z[j];
            if (c == 42 || c == 63 || c == 126) return (double)(op + 8 * 4);
        }
    }
    return (double)(op + 8 * 3);
}
/* -1, 0, 1: the folded text t[ta:tb] against the folded operand z[p:b] */
template <class C, class T> MC_HD int mc_crit_cmp(const C *z, int p, int b, const T *t, int ta, int tb) {
    int n = tb - ta, m = b - p, k = n < m ? n : m;
    for (int j = 0; j < k; ++j) {
        int c = mc_fold((int)t[ta + j]), d = mc_fold((int)z[p + j]);
        if (c != d) return c < d ? -1 : 1;
    }
    if (n == m) return 0;
    return n < m ? -1 : 1;
}
/* the pattern z[p:b] (*, ?, ~ escapes) against all of t[ta:tb], case aside */
template <class C, class T> MC_NI bool mc_crit_wild(const C *z, int p, int b, const T *t, int ta, int tb) {
    int i = p, j = ta, star_i = -1, star_j = -1;
    while (j < tb) {
        if (i < b) {
            int c = (int)z[i], ni = i + 1, kind = 0;
            if (c == 126 && i + 1 < b && ((int)z[i + 1] == 42 || (int)z[i + 1] == 63
                                          || (int)z[i + 1] == 126)) {
                c = (int)z[i + 1];
                ni = i + 2;
            } else if (c == 42) {
                kind = 2;
            } else if (c == 63) {
                kind = 1;
            }
            if (kind == 2) { star_i = ni; star_j = j; i = ni; continue; }
            if (kind == 1 || mc_fold(c) == mc_fold((int)t[j])) { i = ni; ++j; continue; }
        }
        if (star_i >= 0) { ++star_j; j = star_j; i = star_i; continue; }
        return false;
    }
    while (i < b && (int)z[i] == 42) ++i;
    return i == b;
}
/* 1.0 where a range cell meets the criterion k (_criteria.match): ctype 0 a number v,
   1 a logical, 2 a blank, 3 a text t[ta:tb] (tnum its parse_number); e its error code */
template <class C, class T> MC_NI double dcrit_cell(double k, double x, double ctype, double v,
                                                    double e, const T *t, double ta, double tb,
                                                    double tnum, const C *z, double p, double b) {
    int kk = (int)k, op = kk % 8, kind = (kk / 8) % 16, val = kk / 128;
    bool bad = e != 0.0;
    int ct = (int)ctype;
    if (kind == 2) return (((int)e == val) != (op == 1)) ? 1.0 : 0.0;
    if (kind == 0) {
        if (op == 1) return (ct == 0 && !bad && v == x) ? 0.0 : 1.0;
        if (ct == 0 && !bad) {
            bool h = op == 0 ? v == x : op == 2 ? v < x : op == 3 ? v <= x : op == 4 ? v > x : v >= x;
            return h ? 1.0 : 0.0;
        }
        if (ct == 3 && op == 0 && !bad) return tnum == x ? 1.0 : 0.0;
        return 0.0;
    }
    if (kind == 1) {
        if (ct != 1) return op == 1 ? 1.0 : 0.0;
        int lv = v != 0.0 ? 1 : 0;
        if (op == 1) return (!bad && lv == val) ? 0.0 : 1.0;
        if (bad) return 0.0;
        bool h = op == 0 ? lv == val : op == 2 ? lv < val : op == 3 ? lv <= val : op == 4 ? lv > val : lv >= val;
        return h ? 1.0 : 0.0;
    }
    if (kind == 3 || kind == 4) {
        bool hit = false;
        if (ct == 3 && !bad) {
            if (kind == 4) {
                hit = mc_crit_wild(z, (int)p, (int)b, t, (int)ta, (int)tb);
            } else {
                int c = op <= 1 ? mc_crit_cmp(z, (int)p, (int)b, t, (int)ta, (int)tb)
                    : (int)mc_coll2(t, ta, tb, z, p, b);   /* < > in Excel's order */
                hit = (op == 0 || op == 1) ? c == 0 : op == 2 ? c < 0 : op == 3 ? c <= 0
                    : op == 4 ? c > 0 : c >= 0;
            }
        }
        return (hit != (op == 1)) ? 1.0 : 0.0;
    }
    bool blank = ct == 2 && !bad;
    if (kind == 5) return blank ? 1.0 : 0.0;
    if (kind == 6) return (blank || (ct == 3 && !bad && tb == ta)) ? 1.0 : 0.0;
    if (kind == 7) return blank ? 0.0 : 1.0;
    return 0.0;
}
/* dcrit_cell of text id idx (of nids): kv[off + 3 idx] where its folded code points are in
   kv, then how many and its parse_number */
template <class C> MC_NI double dcrit_id(double k, double x, const double *kv, double off,
                                         double idx, double nids, double e, const C *z,
                                         double p, double b) {
    if (e != 0.0 || !(0.0 <= idx && idx < nids))
        return dcrit_cell(k, x, 3.0, 0.0, e, kv, 0.0, 0.0, MC_NAN, z, p, b);
    long long i = (long long)off + 3 * (long long)idx;
    return dcrit_cell(k, x, 3.0, 0.0, e, kv, kv[i], kv[i] + kv[i + 1], kv[i + 2], z, p, b);
}
/* ------------------------------------------------------------ end of criteria made per trial */
""".replace("@ERRORS@", _ERRORS)
