"""CUDA twins of the numba kernel's dynamic text (text made per trial): :mod:`..numba._decimal`
(numbers in Excel's General format with exact digits) and :mod:`..numba._dtext_rt` (the
text functions on a per-trial buffer).  Private to the cupy backend: :data:`DTEXT_RUNTIME`
is C++ source that the generated kernel includes after :data:`._rt.RUNTIME` (it uses its
``excel_round``, ``mc_pow10``, ``pymin``, ``pymax``).

The numba kernel keeps a cell's texts as code points in a float64 scratch array; here the
buffer is a per-thread ``unsigned char`` array (the generator only makes ASCII text per
trial), so every helper is a template over the buffer's element type (the tests also run
them on ``double``).  Positions are doubles, as in the generated lines.  The 15 significant
digits of a number come from the same small bignum (30-bit limbs in 64-bit integers, 46 of
them: two such arrays per thread, in local memory), so the text of every double, denormals
included, is the numpy reference's.
"""

from __future__ import annotations

from ..numba._dtext_rt import KERNEL_NAMES

__all__ = ["DTEXT_NAMES", "DTEXT_RUNTIME"]

DTEXT_NAMES: tuple[str, ...] = tuple(KERNEL_NAMES)

DTEXT_RUNTIME = r"""
#ifndef __CUDACC__
using std::isnan;
#endif
/* ------------------------------------------------------------ dynamic text: a small bignum */
#define MC_BN_BITS 30
#define MC_BN_MASK 1073741823LL
#define MC_BN_CAP 46
typedef unsigned char mc_ch;   /* the per-thread text buffer's element (ASCII code points) */
/* the long helpers are called, not inlined at every site: a kernel may write many numbers */
#ifdef __CUDACC__
#define MC_NI __host__ __device__ __noinline__
#else
#define MC_NI static
#endif

MC_HD int mc_bn_set(long long *a, long long x) {
    for (int i = 0; i < MC_BN_CAP; ++i) a[i] = 0;
    int n = 0;
    while (x > 0) { a[n] = x & MC_BN_MASK; x >>= MC_BN_BITS; ++n; }
    return n;
}

MC_HD int mc_bn_mul(long long *a, int n, long long m) {
    long long carry = 0;
    for (int i = 0; i < n; ++i) {
        long long t = a[i] * m + carry;
        a[i] = t & MC_BN_MASK;
        carry = t >> MC_BN_BITS;
    }
    while (carry > 0) { a[n] = carry & MC_BN_MASK; carry >>= MC_BN_BITS; ++n; }
    return n;
}

MC_HD int mc_bn_pow10(long long *a, int n, int p) {
    while (p >= 9) { n = mc_bn_mul(a, n, 1000000000LL); p -= 9; }
    if (p > 0) {
        long long m = 1;
        for (int j = 0; j < p; ++j) m *= 10;
        n = mc_bn_mul(a, n, m);
    }
    return n;
}

MC_HD int mc_bn_shl(long long *a, int n, int k) {
    if (n == 0 || k == 0) return n;
    int w = k / MC_BN_BITS, b = k % MC_BN_BITS, top;
    if (b == 0) {
        for (int i = n - 1; i >= 0; --i) a[i + w] = a[i];
        top = n + w;
    } else {
        a[n + w] = a[n - 1] >> (MC_BN_BITS - b);
        for (int i = n - 1; i >= 0; --i) {
            long long low = (a[i] << b) & MC_BN_MASK;
            if (i > 0) low |= a[i - 1] >> (MC_BN_BITS - b);
            a[i + w] = low;
        }
        top = n + w + 1;
    }
    for (int i = 0; i < w; ++i) a[i] = 0;
    while (top > 0 && a[top - 1] == 0) --top;
    return top;
}

MC_HD int mc_bn_shr1(long long *a, int n) {
    for (int i = 0; i < n; ++i) {
        long long hi = i + 1 < n ? (a[i + 1] & 1) << (MC_BN_BITS - 1) : 0;
        a[i] = (a[i] >> 1) | hi;
    }
    while (n > 0 && a[n - 1] == 0) --n;
    return n;
}

MC_HD int mc_bn_cmp(const long long *a, int na, const long long *b, int nb) {
    if (na != nb) return na > nb ? 1 : -1;
    for (int i = na - 1; i >= 0; --i)
        if (a[i] != b[i]) return a[i] > b[i] ? 1 : -1;
    return 0;
}

MC_HD int mc_bn_sub(long long *a, int na, const long long *b, int nb) {
    long long borrow = 0;
    for (int i = 0; i < na; ++i) {
        long long t = a[i] - (i < nb ? b[i] : 0) - borrow;
        if (t < 0) { t += 1LL << MC_BN_BITS; borrow = 1; } else borrow = 0;
        a[i] = t;
    }
    while (na > 0 && a[na - 1] == 0) --na;
    return na;
}

MC_HD int mc_bn_add(long long *a, int na, const long long *b, int nb) {
    int n = na > nb ? na : nb;
    long long carry = 0;
    for (int i = 0; i < n; ++i) {
        long long t = (i < na ? a[i] : 0) + (i < nb ? b[i] : 0) + carry;
        a[i] = t & MC_BN_MASK;
        carry = t >> MC_BN_BITS;
    }
    if (carry) { a[n] = carry; ++n; }
    return n;
}

/* ------------------------------------------------------------ dynamic text: digits */
/* numba/_decimal.py digits_n: for a finite x > 0, q in [10**(nd-1), 10**nd) the nd (1..17)
   significant digits of x correctly rounded (ties to even, on the exact binary value), k the
   decimal exponent of the first */
MC_NI void mc_digits_n(double x, int nd, long long *q_out, int *k_out) {
    long long lo_q = 1;
    for (int j = 1; j < nd; ++j) lo_q *= 10;
    long long hi_q = lo_q * 10;
    int big_e;
    double f = frexp(x, &big_e);
    long long m = (long long)(f * 9007199254740992.0);
    int e = big_e - 53;
    int k = (int)floor(log10(x));
    long long num[MC_BN_CAP], den[MC_BN_CAP];
    for (int attempt = 0; attempt < 4; ++attempt) {
        int s = nd - 1 - k;
        int nn = mc_bn_set(num, m);
        nn = mc_bn_shl(num, nn, e > 0 ? e : 0);
        nn = mc_bn_pow10(num, nn, s > 0 ? s : 0);
        int nv = mc_bn_set(den, 1);
        nv = mc_bn_shl(den, nv, e < 0 ? -e : 0);
        nv = mc_bn_pow10(den, nv, s < 0 ? -s : 0);
        nv = mc_bn_shl(den, nv, 59);
        long long q = 0;
        for (int bit = 59; bit >= 0; --bit) {
            if (mc_bn_cmp(num, nn, den, nv) >= 0) {
                nn = mc_bn_sub(num, nn, den, nv);
                q |= 1LL << bit;
            }
            if (bit > 0) nv = mc_bn_shr1(den, nv);
        }
        if (q >= hi_q) { ++k; continue; }
        if (q < lo_q) { --k; continue; }
        nn = mc_bn_shl(num, nn, 1);
        int c = mc_bn_cmp(num, nn, den, nv);
        if (c > 0 || (c == 0 && (q & 1) == 1)) ++q;
        if (q == hi_q) { q = lo_q; ++k; }
        *q_out = q; *k_out = k;
        return;
    }
    *q_out = -1; *k_out = 0;   /* not reached */
}

MC_HD void mc_digits15(double x, long long *q, int *k) { mc_digits_n(x, 15, q, k); }

template <class C> MC_HD int mc_put_int(C *z, int pos, long long v) {
    int n = 1;
    for (long long t = v; t >= 10; t /= 10) ++n;
    for (int j = n - 1; j >= 0; --j) { z[pos + j] = (C)(48 + v % 10); v /= 10; }
    return pos + n;
}

/* engine.values.format_number(x) as code points at z[pos:] (x finite); the new end */
template <class C> MC_NI int mc_write_general(C *z, int pos, double x) {
    if (x == 0.0) { z[pos] = (C)48; return pos + 1; }
    if (x < 0.0) { z[pos++] = (C)45; x = -x; }
    if (x < 1e15 && x == floor(x)) return mc_put_int(z, pos, (long long)x);
    long long q; int k;
    mc_digits15(x, &q, &k);
    int nd = 15;
    while (q % 10 == 0) { q /= 10; --nd; }
    int d[15];
    for (int j = nd - 1; j >= 0; --j) { d[j] = 48 + (int)(q % 10); q /= 10; }
    if (k < -4 || k >= 15) {
        z[pos++] = (C)d[0];
        if (nd > 1) {
            z[pos++] = (C)46;
            for (int j = 1; j < nd; ++j) z[pos++] = (C)d[j];
        }
        z[pos] = (C)69;
        z[pos + 1] = (C)(k >= 0 ? 43 : 45);
        pos += 2;
        int a = k < 0 ? -k : k;
        if (a < 10) z[pos++] = (C)48;
        return mc_put_int(z, pos, (long long)a);
    }
    if (k >= 0) {
        for (int j = 0; j <= k; ++j) z[pos++] = (C)(j < nd ? d[j] : 48);
        if (nd > k + 1) {
            z[pos++] = (C)46;
            for (int j = k + 1; j < nd; ++j) z[pos++] = (C)d[j];
        }
        return pos;
    }
    z[pos] = (C)48; z[pos + 1] = (C)46;
    pos += 2;
    for (int j = 0; j < -k - 1; ++j) z[pos++] = (C)48;
    for (int j = 0; j < nd; ++j) z[pos++] = (C)d[j];
    return pos;
}

/* whether double c is strictly nearer than r to q * 10**p (exact; ties to the even
   mantissa; ``sticky``: the value is a little above q * 10**p) */
MC_NI bool mc_closer(double c, double r, long long q, int p, bool sticky) {
    int ec, er;
    double fc = frexp(c, &ec), fr = frexp(r, &er);
    long long mc = (long long)(fc * 9007199254740992.0), mr = (long long)(fr * 9007199254740992.0);
    ec -= 53; er -= 53;
    int lo_e = ec < er ? ec : er;
    long long a[MC_BN_CAP], b[MC_BN_CAP], t[MC_BN_CAP];
    int na = mc_bn_set(a, mc);
    na = mc_bn_shl(a, na, ec - lo_e);
    int nt = mc_bn_set(t, mr);
    nt = mc_bn_shl(t, nt, er - lo_e);
    na = mc_bn_add(a, na, t, nt);
    int nb = mc_bn_set(b, 2 * q);
    if (p >= 0) nb = mc_bn_pow10(b, nb, p);
    else na = mc_bn_pow10(a, na, -p);
    if (lo_e >= 0) na = mc_bn_shl(a, na, lo_e);
    else nb = mc_bn_shl(b, nb, -lo_e);
    int cmpv = mc_bn_cmp(b, nb, a, na);
    if (cmpv == 0 && sticky) cmpv = 1;
    if (cmpv == 0) return (mc & 1) == 0;
    return (cmpv > 0) == (c > r);
}

/* q * 10**p correctly rounded (a little above it with sticky): numba/_decimal.py _slow_value */
MC_NI double mc_slow_value(long long q, int p, bool sticky) {
    if (p > 340) return MC_INF;
    if (p < -360) return 0.0;
    double r;
    if (p > 0) r = p <= 308 ? (double)q * mc_pow10((double)p) : MC_INF;
    else if (-p <= 308) r = (double)q / mc_pow10((double)-p);
    else r = (double)q / 1e300 / mc_pow10((double)(-p - 300));
    if (!isfinite(r)) return r;
    for (int it = 0; it < 64; ++it) {
        double up = nextafter(r, MC_INF), dn = nextafter(r, -MC_INF);
        if (mc_closer(up, r, q, p, sticky)) r = up;
        else if (mc_closer(dn, r, q, p, sticky)) r = dn;
        else break;
    }
    return r;
}

/* numba/_decimal.py dec_float: q * 10**p correctly rounded to a double (0 <= q < 2**61) */
MC_HD double dec_float(long long q, int p, bool sticky) {
    if (q == 0) return 0.0;
    if (!sticky && q < 9007199254740992LL) {
        if (0 <= p && p <= 22) return (double)q * mc_pow10((double)p);
        if (-22 <= p && p < 0) return (double)q / mc_pow10((double)-p);
    }
    return mc_slow_value(q, p, sticky);
}

/* float(format_number(x)): the number that x's General-format text reads back as */
MC_NI double dnumval(double x) {
    if (x == 0.0 || !isfinite(x)) return x == 0.0 ? 0.0 : x;
    double a = fabs(x);
    if (a < 1e15 && a == floor(a)) return x;
    long long q; int k;
    mc_digits15(a, &q, &k);
    double r = dec_float(q, k - 14, false);
    return x > 0.0 ? r : -r;
}

/* ------------------------------------------------------------ dynamic text: the functions */
MC_HD double dcount(double x, double low) {
    if (!(x == x)) return low;
    double t = trunc(x);
    return pymin(pymax(t, low), 2147483648.0);
}

template <class C> MC_HD double dput_num(C *z, double pos, double x) {
    if (!isfinite(x)) return pos;
    return (double)mc_write_general(z, (int)pos, x);
}

template <class C> MC_HD double dput_tab(C *z, double pos, const double *kv, double off, double n) {
    int p = (int)pos, o = (int)off, m = (int)n;
    for (int j = 0; j < m; ++j) z[p + j] = (C)kv[o + j];
    return pos + n;
}

template <class C> MC_HD double dput_id(C *z, double pos, const double *kv, double off, double idx,
                                        double nids) {
    if (!(0.0 <= idx && idx < nids)) return pos;
    long long i = (long long)off + 2 * (long long)idx;
    return dput_tab(z, pos, kv, kv[i], kv[i + 1]);
}

template <class C> MC_HD double dcase(C *z, double a, double b, double upper) {
    for (int j = (int)a; j < (int)b; ++j) {
        int c = (int)z[j];
        if (upper != 0.0) { if (97 <= c && c <= 122) z[j] = (C)(c - 32); }
        else if (65 <= c && c <= 90) z[j] = (C)(c + 32);
    }
    return b;
}

template <class C> MC_NI double dtrim(C *z, double a, double b) {
    int w = (int)a;
    bool space = true;
    for (int j = (int)a; j < (int)b; ++j) {
        C c = z[j];
        if ((int)c == 32) { if (!space) z[w++] = c; space = true; }
        else { z[w++] = c; space = false; }
    }
    if (w > (int)a && (int)z[w - 1] == 32) --w;
    return (double)w;
}

MC_HD double dleft(double a, double b, double n) { return a + pymin(n, b - a); }

template <class C> MC_HD void mc_move(C *z, int dst, int src, int n) {
    for (int j = 0; j < n; ++j) z[dst + j] = z[src + j];
}

template <class C> MC_HD double dright(C *z, double a, double b, double n) {
    int m = (int)pymin(n, b - a);
    mc_move(z, (int)a, (int)b - m, m);
    return a + m;
}

template <class C> MC_HD double dmid(C *z, double a, double b, double start, double n) {
    double length = b - a, off = pymin(start - 1.0, length);
    int m = (int)pymin(n, length - off);
    mc_move(z, (int)a, (int)(a + off), m);
    return a + m;
}

template <class C> MC_HD double drept(C *z, double a, double b, double n) {
    int m = (int)(b - a), k = (int)n;
    for (int r = 1; r < k; ++r) mc_move(z, (int)a + r * m, (int)a, m);
    return a + (double)(m * (k > 0 ? k : 0));
}

template <class C> MC_HD double dpick(C *z, double a, double mid, double b, double first) {
    if (first != 0.0) return mid;
    int m = (int)(b - mid);
    mc_move(z, (int)a, (int)mid, m);
    return a + m;
}

MC_HD int mc_fold(int c) { return 65 <= c && c <= 90 ? c + 32 : c; }

template <class C> MC_NI double dcmp(const C *z, double a, double b, double c, double d) {
    int n = (int)(b - a), m = (int)(d - c);
    for (int j = 0; j < (n < m ? n : m); ++j) {
        int p = mc_fold((int)z[(int)a + j]), q = mc_fold((int)z[(int)c + j]);
        if (p != q) return p < q ? -1.0 : 1.0;
    }
    if (n == m) return 0.0;
    return n < m ? -1.0 : 1.0;
}

template <class C> MC_NI double dfind(const C *z, double c, double d, double a, double b,
                                      double start, double cased) {
    int n = (int)(b - a), m = (int)(d - c), i = (int)start;
    if (i > n) return 0.0;
    for (int p = i - 1; p < n - m + 1; ++p) {
        bool hit = true;
        for (int j = 0; j < m; ++j) {
            int u = (int)z[(int)a + p + j], v = (int)z[(int)c + j];
            if (cased == 0.0) { u = mc_fold(u); v = mc_fold(v); }
            if (u != v) { hit = false; break; }
        }
        if (hit) return (double)(p + 1);
    }
    return 0.0;
}

template <class C> MC_HD bool mc_at(const C *z, int i, int end, int x, int n) {
    if (i + n > end) return false;
    for (int j = 0; j < n; ++j) if (z[i + j] != z[x + j]) return false;
    return true;
}

template <class C> MC_NI double dsubst(C *z, double pos, double ta, double tb, double xa,
                                       double xb, double ya, double yb, double inst) {
    int n = (int)tb, m = (int)(xb - xa), k = (int)(yb - ya), w = (int)pos;
    int count = 0, i = (int)ta;
    while (i < n) {
        if (m > 0 && mc_at(z, i, n, (int)xa, m)) {
            ++count;
            if (inst == 0.0 || count == (int)inst) {
                for (int j = 0; j < k; ++j) z[w + j] = z[(int)ya + j];
                w += k;
            } else {
                for (int j = 0; j < m; ++j) z[w + j] = z[i + j];
                w += m;
            }
            i += m;
        } else {
            z[w++] = z[i++];
        }
    }
    return (double)w;
}

template <class C> MC_NI double drepl(C *z, double pos, double ta, double tb, double start,
                                      double count, double ya, double yb) {
    int a = (int)ta, n = (int)(tb - ta), w = (int)pos;
    int head = (int)start - 1 < n ? (int)start - 1 : n;
    for (int j = 0; j < head; ++j) z[w + j] = z[a + j];
    w += head;
    int ny = (int)(yb - ya);
    for (int j = 0; j < ny; ++j) z[w + j] = z[(int)ya + j];
    w += ny;
    int from = (int)start - 1 + (int)count;
    for (int j = from < n ? from : n; j < n; ++j) z[w++] = z[a + j];
    return (double)w;
}

/* TEXT(x, fmt) for fmt [$]0|#,##0[.0...][%] (engine.functions.text._format_simple) */
template <class C> MC_NI double dput_fixed(C *z, double pos, double x, double ndec, double comma,
                                           double pct, double cur) {
    int w = (int)pos;
    if (x < 0.0) z[w++] = (C)45;
    if (cur != 0.0) z[w++] = (C)36;
    double v = excel_round(fabs(pct != 0.0 ? x * 100.0 : x), ndec, 0);
    int n = (int)ndec;
    long long q = 0; int k = 0;
    if (v != 0.0) mc_digits15(v, &q, &k);
    int d[15];
    for (int j = 14; j >= 0; --j) { d[j] = (int)(q % 10); q /= 10; }
    for (int p = k > 0 ? k : 0; p >= -n; --p) {
        if (p == -1) z[w++] = (C)46;
        int i = k - p;
        z[w++] = (C)(48 + (0 <= i && i < 15 && v != 0.0 ? d[i] : 0));
        if (comma != 0.0 && p > 0 && p % 3 == 0) z[w++] = (C)44;
    }
    if (pct != 0.0) z[w++] = (C)37;
    return (double)w;
}

template <class C> MC_HD double dcode(const C *z, double a, double b) {
    return b > a ? (double)z[(int)a] : 0.0;
}

template <class C> MC_NI double dsame(const C *z, double a, double b, double c, double d) {
    if (b - a != d - c) return 0.0;
    for (int j = 0; j < (int)(b - a); ++j)
        if (z[(int)a + j] != z[(int)c + j]) return 0.0;
    return 1.0;
}
/* ------------------------------------------------------------ end of dynamic text */
"""
