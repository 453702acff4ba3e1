"""CUDA twins of the numba kernel's dynamic text (text made per trial): :mod:`..numba._decimal`
(numbers in Excel's General format with exact digits) and :mod:`..numba._dtext_rt` (the
text functions on a per-trial buffer).  Private to the cupy backend: :data:`DTEXT_RUNTIME`
is C++ source that the generated kernel includes after :data:`._rt.RUNTIME` (it uses its
``excel_round``, ``mc_pow10``, ``pymin``, ``pymax``).

The numba kernel keeps a cell's texts as code points in a float64 scratch array; here the
buffer is a per-thread ``unsigned char`` array where the kernel's text per trial is ASCII,
an ``int`` array (``mc_wch``) where it holds code points past ASCII (their case:
:mod:`._rt_unicase`), so every helper is a template over the buffer's element type (the
tests also run them on ``double``).  Positions are doubles, as in the generated lines.  The 15 significant
digits of a number come from the same small bignum (30-bit limbs in 64-bit integers, 46 of
them: two such arrays per thread, in local memory), so the text of every double, denormals
included, is the numpy reference's.
"""

from __future__ import annotations

from ..numba._dtext_rt import KERNEL_NAMES
from ._rt_dcriteria import DCRITERIA_NAMES, DCRITERIA_RUNTIME
from ._rt_dlines import DLINES_NAMES, DLINES_RUNTIME
from ._rt_dtext_args import DTEXT_ARGS_NAMES, DTEXT_ARGS_RUNTIME
from ._rt_unicase import UNICASE_RUNTIME

__all__ = ["DTEXT_FORMAT_NAMES", "DTEXT_FORMAT_RUNTIME", "DTEXT_NAMES", "DTEXT_READ_NAMES",
           "DTEXT_READ_RUNTIME", "DTEXT_RUNTIME"]

DTEXT_NAMES: tuple[str, ...] = tuple(KERNEL_NAMES)

DTEXT_RUNTIME = r"""
#ifndef __CUDACC__
using std::isnan;
using std::isinf;
using std::signbit;
#endif
/* ------------------------------------------------------------ dynamic text: a small bignum */
#define MC_BN_BITS 30
#define MC_BN_MASK 1073741823LL
#define MC_BN_CAP 46
typedef unsigned char mc_ch;   /* the per-thread text buffer's element (ASCII code points) */
@UNICASE@
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

/* whether q * 10**p (p >= 0) is below 2**1024 - 2**970, from where a correctly rounded read
   is infinite */
MC_NI bool mc_below_overflow(long long q, int p) {
    long long a[MC_BN_CAP], b[MC_BN_CAP];
    int nb = mc_bn_set(b, 2 * q);
    nb = mc_bn_pow10(b, nb, p);
    int na = mc_bn_set(a, (1LL << 54) - 1);
    na = mc_bn_shl(a, na, 971);
    return mc_bn_cmp(b, nb, a, na) < 0;
}

/* q * 10**p correctly rounded (a little above it with sticky): numba/_decimal.py _slow_value */
MC_NI double mc_slow_value(long long q, int p, bool sticky) {
    if (p > 340) return MC_INF;
    if (p < -360) return 0.0;
    double r;
    if (p > 0) r = p <= 308 ? (double)q * mc_pow10((double)p) : MC_INF;
    else if (-p <= 308) r = (double)q / mc_pow10((double)-p);
    else r = (double)q / 1e300 / mc_pow10((double)(-p - 300));
    if (!isfinite(r)) {
        if (!mc_below_overflow(q, p)) return r;
        r = 1.7976931348623157e308;
    }
    for (int it = 0; it < 64; ++it) {
        double up = nextafter(r, MC_INF), dn = nextafter(r, -MC_INF);
        if (isinf(up)) {   /* above the largest double: the overflow point decides */
            if (!mc_below_overflow(q, p)) return up;
        } else if (mc_closer(up, r, q, p, sticky)) {
            r = up;
            continue;
        }
        if (mc_closer(dn, r, q, p, sticky)) r = dn;
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
    bool after = false;   // PROPER (upper 2): the character before is a cased letter
    for (int j = (int)a; j < (int)b; ++j) {
        int c = (int)z[j];
        if (upper == 2.0) {
            z[j] = (C)mc_ucase(c, after ? 2 : 3);
            after = mc_ucased(c);
        }
        else z[j] = (C)mc_ucase(c, upper != 0.0 ? 1 : 2);
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

MC_HD int mc_fold(int c) { return mc_ucase(c, 4); }

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
    if (mc_isinf(v)) {   /* x * 100 past the doubles: x's 15 digits, times 100 as digits */
        mc_digits15(fabs(x), &q, &k);
        k += 2;
    } else if (v != 0.0) {
        mc_digits15(v, &q, &k);
    }
    int d[15];
    for (int j = 14; j >= 0; --j) { d[j] = (int)(q % 10); q /= 10; }
    for (int p = k > 0 ? k : 0; p >= -n; --p) {
        if (p == -1) z[w++] = (C)46;
        int i = k - p;
        z[w++] = (C)(48 + (0 <= i && i < 15 ? d[i] : 0));
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
""".replace("@UNICASE@", UNICASE_RUNTIME)

# TEXT(x, format) of numba/_dtext_fmt_rt.py: the format's plan (numba/_dtext_formats.py) is
# in kv; these twins interpret it per trial.  Names and codes as there.
DTEXT_FORMAT_NAMES: tuple[str, ...] = ("dput_format", "dformat_bad")

DTEXT_FORMAT_RUNTIME = r"""
/* ------------------------------------------------------------ TEXT formats (numba/_dtext_fmt_rt.py) */
#define MC_GENERAL 1.0
#define MC_SCI 2.0
#define MC_PYCEL 3.0
#define MC_DT 1.0
#define MC_NUM 2.0
#define MC_T_STR 0.0
#define MC_T_DT0 10.0
#define MC_T_BAD 9.0
#define MC_DATE_MAX_INT 2958466.0

MC_HD long long mc_p10ll(int n) { long long r = 1; for (int j = 0; j < n; ++j) r *= 10; return r; }

template <class C> MC_HD int mc_put_uint(C *z, int w, long long v, int width) {
    int n = 1;
    for (long long t = v; t >= 10; t /= 10) ++n;
    for (int j = 0; j < width - n; ++j) z[w++] = (C)48;
    for (int j = n - 1; j >= 0; --j) { z[w + j] = (C)(48 + v % 10); v /= 10; }
    return w + n;
}

template <class C> MC_HD int mc_put_sint(C *z, int w, long long v, int width) {
    if (v < 0) { z[w] = (C)45; return mc_put_uint(z, w + 1, -v, width); }
    return mc_put_uint(z, w, v, width);
}

template <class C, class S> MC_HD int mc_copy(C *z, int w, const S *src, int a, int n) {
    for (int j = 0; j < n; ++j) z[w + j] = (C)src[a + j];
    return w + n;
}

MC_NI double mc_round15(double x, int d) {
    if (x == 0.0) return 0.0;
    long long q; int k;
    mc_digits15(fabs(x), &q, &k);
    int keep = k + 1 + d;
    double r;
    if (keep >= 15) r = dec_float(q, k - 14, false);
    else if (keep < 0) r = 0.0;
    else {
        long long cut = mc_p10ll(15 - keep), m = q / cut;
        if (q % cut * 2 >= cut) ++m;
        r = dec_float(m, -d, false);
    }
    return x > 0.0 ? r : -r;
}

MC_HD double mc_rounded_for(double x, double rnd) {
    if (rnd < 0.0) return x;
    double got = mc_round15(x, (int)rnd);
    return got != 0.0 ? got : x;
}

MC_HD int mc_bn_add1(long long *a, int n) {
    int i = 0;
    while (true) {
        a[i] += 1;
        if (a[i] < (1LL << 30)) break;
        a[i] = 0;
        ++i;
    }
    return n > i + 1 ? n : i + 1;
}

MC_HD int mc_shr_round_even(long long *a, int n, int k, int cap) {
    int hb = k - 1;
    long long half = hb / 30 < n ? (a[hb / 30] >> (hb % 30)) & 1 : 0;
    bool sticky = false;
    int lim = hb / 30 < n ? hb / 30 : n;
    for (int i = 0; i < lim; ++i) if (a[i] != 0) { sticky = true; break; }
    if (!sticky && hb / 30 < n && (a[hb / 30] & ((1LL << (hb % 30)) - 1)) != 0) sticky = true;
    int w = k / 30, b = k % 30, m = n - w;
    if (m <= 0) {
        for (int i = 0; i < cap; ++i) a[i] = 0;
        m = 0;
    } else {
        for (int i = 0; i < m; ++i) {
            long long lo = a[i + w] >> b;
            long long hi = (b > 0 && i + w + 1 < n) ? (a[i + w + 1] << (30 - b)) & MC_BN_MASK : 0;
            a[i] = lo | hi;
        }
        for (int i = m; i < n; ++i) a[i] = 0;
        while (m > 0 && a[m - 1] == 0) --m;
    }
    if (half == 1 && (sticky || (m > 0 && (a[0] & 1) == 1))) {
        if (m == 0) { a[0] = 1; return 1; }
        return mc_bn_add1(a, m);
    }
    return m;
}

/* the decimal digits of round_half_even(v * 10**d) (v >= 0, 0 <= d <= 40), most significant
   first in out (code points); the count (at least d + 1, zero-padded) */
MC_NI int mc_fixed_digits(double v, int d, unsigned char *out) {
    long long a[MC_BN_CAP + 8];
    for (int i = 0; i < MC_BN_CAP + 8; ++i) a[i] = 0;
    int n = 0;
    if (v != 0.0) {
        int big_e;
        double f = frexp(v, &big_e);
        long long m = (long long)(f * 9007199254740992.0);
        int e = big_e - 53;
        n = mc_bn_set(a, m);
        n = mc_bn_pow10(a, n, d);
        if (e >= 0) n = mc_bn_shl(a, n, e);
        else n = mc_shr_round_even(a, n, -e, MC_BN_CAP + 8);
    }
    unsigned char tmp[400];
    int c = 0;
    while (n > 0) {
        long long rem = 0;
        for (int i = n - 1; i >= 0; --i) {
            long long cur = (rem << 30) | a[i];
            a[i] = cur / 10;
            rem = cur % 10;
        }
        while (n > 0 && a[n - 1] == 0) --n;
        tmp[c++] = (unsigned char)rem;
    }
    while (c < d + 1) tmp[c++] = 0;
    for (int j = 0; j < c; ++j) out[j] = (unsigned char)(48 + tmp[c - 1 - j]);
    return c;
}

/* the digits of a whole v >= 2**53 as Excel writes it: its 15 significant digits, zeros after
   them (numba/_dtext_fmt_rt.py _digits15_whole); the count */
MC_HD int mc_digits15_whole(double v, unsigned char *out) {
    long long q; int k;
    mc_digits15(v, &q, &k);
    for (int j = 14; j >= 0; --j) { out[j] = (unsigned char)(48 + q % 10); q /= 10; }
    for (int j = 15; j <= k; ++j) out[j] = 48;
    return k + 1;
}

template <class C> MC_NI int mc_general11(C *z, int w, double x) {
    if (x == 0.0 || !isfinite(x)) { z[w] = (C)48; return w + 1; }
    int start = w;
    if (x < 0.0) z[w++] = (C)45;
    double a = fabs(x);
    long long q; int k;
    if (1e-9 <= a && a < 1e11) {
        int digits = (int)floor(log10(a)) + 1;
        if (digits < 1) digits = 1;
        int places = 10 - digits > 0 ? 10 - digits : 0;
        mc_digits15(a, &q, &k);
        int keep = k + 1 + places;
        long long m;
        if (keep >= 15) m = q * mc_p10ll(keep - 15);
        else if (keep < 0) m = 0;
        else {
            long long cut = mc_p10ll(15 - keep);
            m = q / cut;
            if (q % cut * 2 >= cut) ++m;
        }
        long long whole = m / mc_p10ll(places), frac = m % mc_p10ll(places);
        int nw = 1;
        for (long long t = whole; t >= 10; t /= 10) ++nw;
        if (nw <= 11) {
            w = mc_put_uint(z, w, whole, 1);
            if (frac != 0) {
                int nf = places;
                while (frac % 10 == 0) { frac /= 10; --nf; }
                z[w] = (C)46;
                w = mc_put_uint(z, w + 1, frac, nf);
            }
            return w;
        }
        w = start + (x < 0.0 ? 1 : 0);
    }
    mc_digits_n(a, 6, &q, &k);
    int nd = 6;
    while (q % 10 == 0 && nd > 1) { q /= 10; --nd; }
    long long lead = q / mc_p10ll(nd - 1);
    z[w++] = (C)(48 + lead);
    if (nd > 1) {
        z[w] = (C)46;
        w = mc_put_uint(z, w + 1, q % mc_p10ll(nd - 1), nd - 1);
    }
    z[w] = (C)69;
    z[w + 1] = (C)(k >= 0 ? 43 : 45);
    return mc_put_uint(z, w + 2, (long long)(k < 0 ? -k : k), 2);
}

MC_HD long long mc_sci_mant(double a, int e, int ndec) {
    if (a == 0.0) return 0;
    long long q; int k;
    mc_digits15(a, &q, &k);
    int s = k - 14 - e + ndec;
    if (s >= 0) return q * mc_p10ll(s);
    if (s < -16) return 0;
    long long cut = mc_p10ll(-s), m = q / cut;
    if (q % cut * 2 >= cut) ++m;
    return m;
}

template <class C> MC_NI int mc_scientific(C *z, int w, double x, const double *p, int at) {
    int zeros = (int)p[at], places = (int)p[at + 1], ndec = (int)p[at + 2], required = (int)p[at + 3];
    double point = p[at + 4], letter = p[at + 5], plus = p[at + 6];
    int ezeros = (int)p[at + 7];
    double a = fabs(x);
    int e = 0;
    if (a != 0.0) e = (int)floor(floor(log10(a)) / places) * places;
    long long big = mc_p10ll(places + ndec);
    long long mant = mc_sci_mant(a, e, ndec);
    if (mant >= big) { e += places; mant = mc_sci_mant(a, e, ndec); }
    if (x < 0.0 && mant != 0) z[w++] = (C)45;
    long long whole = mant / mc_p10ll(ndec), frac = mant % mc_p10ll(ndec);
    if (whole != 0) w = mc_put_uint(z, w, whole, zeros);
    else for (int j = 0; j < zeros; ++j) z[w++] = (C)48;
    if (point != 0.0) z[w++] = (C)46;
    int nf = ndec;
    while (nf > required && frac % 10 == 0) { frac /= 10; --nf; }
    if (nf > 0) w = mc_put_uint(z, w, frac, nf);
    z[w++] = (C)letter;
    if (e < 0) z[w++] = (C)45;
    else if (plus != 0.0) z[w++] = (C)43;
    return mc_put_uint(z, w, (long long)(e < 0 ? -e : e), ezeros);
}

MC_HD bool mc_fmt_test(double op, double x, double b) {
    if (op == 1.0) return x < b;
    if (op == 2.0) return x > b;
    if (op == 3.0) return x == b;
    if (op == 4.0) return x <= b;
    if (op == 5.0) return x >= b;
    return x != b;
}

MC_HD int mc_fmt_body(double x, const double *p, int o) {
    if (p[o] == 0.0) return o + (int)p[o + 6];
    if (mc_fmt_test(p[o + 1], x, p[o + 2])) return o + (int)p[o + 6];
    double nparts = p[o + 5];
    if (nparts == 1.0) return o + (int)p[o + 9];
    if (p[o + 3] == 0.0 || mc_fmt_test(p[o + 3], x, p[o + 4])) return o + (int)p[o + 7];
    return nparts > 2.0 ? o + (int)p[o + 8] : o + (int)p[o + 9];
}

MC_HD double mc_fmt_prepared(double x, const double *p, int b) {
    double x1 = x / p[b + 1], nr = p[b + 2];
    int i = 0;
    if (x1 < 0.0 && nr > 1.0) i = 1;
    else if (x1 == 0.0 && nr > 2.0) i = 2;
    return mc_rounded_for(x1, p[b + 3 + i]);
}

MC_HD int mc_fmt_section(double data, const double *p, int b) {
    double nsec = p[b + 6];
    if (nsec == 0.0) return -1;
    int i = 0;
    if (data == 0.0 && nsec > 2.0) i = 2;
    else if (data < 0.0 && nsec > 1.0) i = 1;
    return b + (int)p[b + 7 + i];
}

MC_HD bool mc_dt_elapsed(int c) { return c == 23 || c == 24 || c == 25; }

MC_HD bool mc_dt_bad(double data, const double *p, int s) {
    int ntok = (int)p[s + 1], at = s + 2;
    bool inside = 0.0 <= data && data < MC_DATE_MAX_INT;
    for (int t = 0; t < ntok; ++t) {
        double tag = p[at];
        if (tag == MC_T_BAD) return true;
        if (tag >= MC_T_DT0 && !inside && !mc_dt_elapsed((int)(tag - MC_T_DT0))) return true;
        at += 2 + (int)p[at + 1];
    }
    return false;
}

/* 1.0 where TEXT(x, format) is #VALUE! in the reference, else 0.0 (kv[off:] the plan) */
MC_NI double dformat_bad(double x, const double *kv, double off) {
    if (!isfinite(x)) return 0.0;
    int b = mc_fmt_body(x, kv, (int)off);
    if (kv[b] != MC_PYCEL) return 0.0;
    double data = mc_fmt_prepared(x, kv, b);
    int s = mc_fmt_section(data, kv, b);
    if (s < 0 || kv[s] != MC_DT) return 0.0;
    return mc_dt_bad(data, kv, s) ? 1.0 : 0.0;
}

MC_HD void mc_civil70(long long days, long long *y, long long *m, long long *d) {
    long long zz = days + 719468;
    long long era = (zz >= 0 ? zz : zz - 146096) / 146097;
    long long doe = zz - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long yy = yoe + era * 400;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = *m <= 2 ? yy + 1 : yy;
}

template <class C> MC_HD int mc_fmt_name(C *z, int w, const char *table, const int *at, int i, int n) {
    int a = at[i], b = at[i + 1];
    if (n >= 0 && a + n < b) b = a + n;
    return mc_copy(z, w, table, a, b - a);
}

template <class C> MC_NI int mc_write_dt(C *z, int w, double data, const double *p, int s) {
    const char *months = "JanuaryFebruaryMarchAprilMayJuneJulyAugustSeptemberOctoberNovemberDecember";
    const int month_at[13] = {0, 7, 15, 20, 25, 28, 32, 36, 42, 51, 58, 66, 74};
    const char *days = "MondayTuesdayWednesdayThursdayFridaySaturdaySunday";
    const int day_at[8] = {0, 6, 13, 22, 30, 36, 44, 50};
    int ntok = (int)p[s + 1], at = s + 2;
    bool inside = 0.0 <= data && data < MC_DATE_MAX_INT;
    long long y = 0, mo = 0, d = 0, hh = 0, mi = 0, ss = 0, us = 0, wd = 0;
    if (inside) {
        long long stamp = (long long)data;
        if (stamp == 60) { y = 1900; mo = 2; d = 29; }
        else if (stamp == 0) { y = 1900; mo = 1; d = 0; }
        else mc_civil70(stamp - 25569 + (stamp < 60 ? 1 : 0), &y, &mo, &d);
        double at_hours = (data + (1.0 / 24 / 60 / 60 / 1e6) / 1.5) * 24;
        double hours = floor(at_hours);
        double at_mins = (at_hours - hours) * 60;
        double mins = floor(at_mins);
        double at_secs = (at_mins - mins) * 60;
        double secs = floor(at_secs);
        us = (long long)((at_secs - secs) * 1e6 - 0.5);
        wd = (stamp + 5) % 7;
        hh = (long long)hours % 24;
        mi = (long long)mins;
        ss = (long long)secs;
    }
    long long h12 = hh % 12;
    if (h12 == 0) h12 = 12;
    for (int t = 0; t < ntok; ++t) {
        double tag = p[at];
        int n = (int)p[at + 1];
        if (tag == MC_T_STR) { w = mc_copy(z, w, p, at + 2, n); at += 2 + n; continue; }
        int c = (int)(tag - MC_T_DT0);
        bool am = hh < 12;
        switch (c) {
        case 0: w = mc_put_uint(z, w, y, 4); break;
        case 1: w = mc_put_uint(z, w, y % 100, 2); break;
        case 2: w = mc_fmt_name(z, w, months, month_at, (int)mo - 1, 1); break;
        case 3: w = mc_fmt_name(z, w, months, month_at, (int)mo - 1, -1); break;
        case 4: w = mc_fmt_name(z, w, months, month_at, (int)mo - 1, 3); break;
        case 5: w = mc_put_uint(z, w, mo, 2); break;
        case 6: w = mc_put_uint(z, w, mo, 1); break;
        case 7: w = mc_fmt_name(z, w, days, day_at, (int)wd, -1); break;
        case 8: w = mc_fmt_name(z, w, days, day_at, (int)wd, 3); break;
        case 9: w = mc_put_uint(z, w, d, 2); break;
        case 10: w = mc_put_uint(z, w, d, 1); break;
        case 11: w = mc_put_uint(z, w, hh, 2); break;
        case 12: w = mc_put_uint(z, w, hh, 1); break;
        case 13: w = mc_put_uint(z, w, h12, 2); break;
        case 14: w = mc_put_uint(z, w, h12, 1); break;
        case 15: w = mc_put_uint(z, w, mi, 2); break;
        case 16: w = mc_put_uint(z, w, mi, 1); break;
        case 17: w = mc_put_uint(z, w, ss, 2); break;
        case 18: w = mc_put_uint(z, w, ss, 1); break;
        case 19: z[w++] = (C)46; break;
        case 20: case 21: case 22: {
            z[w] = (C)46;
            double scale = pow(10.0, (double)(6 - (c - 19)));
            w = mc_put_uint(z, w + 1, (long long)rint((double)us / scale), c - 19);
            break;
        }
        case 23: case 24: case 25: {
            long long el;
            if (inside) {
                el = (long long)data * 24 + hh;
                if (c >= 24) el = el * 60 + mi;
                if (c == 25) el = el * 60 + ss;
            } else {
                double ef = data * 24;
                if (c == 24) ef *= 60;
                else if (c == 25) ef *= 3600;
                el = (long long)ef;
            }
            w = mc_put_sint(z, w, el, 1);
            break;
        }
        case 26: z[w] = (C)(am ? 65 : 80); z[w + 1] = (C)77; w += 2; break;
        case 27: z[w++] = (C)(am ? 97 : 112); break;
        case 28: z[w++] = (C)(am ? 65 : 80); break;
        case 29: z[w++] = (C)(am ? 65 : 112); break;
        default: z[w++] = (C)(am ? 97 : 80); break;
        }
        at += 2 + n;
    }
    return w;
}

/* pycel's _number_token_converter (numba/_dtext_fmt_rt.py _convert); code points are
   doubles, a default of -1 writes nothing; *at_io the plan offset in and out */
template <class C> MC_NI int mc_fmt_convert(C *z, int w, const double *p, int *at_io, int ntok,
                                            const double *s, int ns, bool left, bool neg) {
    double fill[300];
    int nf = 0, at = *at_io;
    int i = left ? ns - 1 : 0;
    for (int t = 0; t < ntok; ++t) {
        double tag = p[at];
        int n = (int)p[at + 1];
        if (tag == MC_T_STR) {
            for (int j = 0; j < n; ++j) fill[nf++] = p[at + 2 + j];
            at += 2 + n;
            continue;
        }
        for (int j = 0; j < nf; ++j) z[w++] = (C)fill[j];
        nf = 0;
        double dflt = p[at + 2];
        for (int q = 0; q < n; ++q) {
            bool have = left ? i >= 0 : i < ns;
            double c = have ? s[i] : dflt;
            if (have) i = left ? i - 1 : i + 1;
            if (c >= 0.0) {
                z[w++] = (C)c;
                if (!(48.0 <= c && c <= 57.0)) {
                    have = left ? i >= 0 : i < ns;
                    c = have ? s[i] : dflt;
                    if (have) i = left ? i - 1 : i + 1;
                    if (c >= 0.0) z[w++] = (C)c;
                }
            }
        }
        at += 3;
    }
    if (neg) fill[nf++] = 45.0;
    if (left) { while (i >= 0) z[w++] = (C)s[i--]; }
    else { while (i < ns) z[w++] = (C)s[i++]; }
    for (int j = 0; j < nf; ++j) z[w++] = (C)fill[j];
    *at_io = at;
    return w;
}

template <class C> MC_NI int mc_write_num(C *z, int w, double data, const double *p, int s, bool neg,
                                          bool whole) {
    double v = data * p[s + 1];
    bool decimal = p[s + 2] != 0.0;
    int d = (int)p[s + 3];
    bool comma = p[s + 4] != 0.0;
    int nleft = (int)p[s + 5], nright = (int)p[s + 6];
    unsigned char dig[420];
    int nd;
    bool big = whole && data >= 9007199254740992.0;   /* 2**53 up: Excel's 15 digits */
    if (big || (whole && !decimal)) {   /* pycel's int: its digits, then two zeros per % */
        nd = big ? mc_digits15_whole(data, dig) : mc_fixed_digits(fabs(data), 0, dig);
        double f = p[s + 1];
        while (f >= 100.0 && !(nd == 1 && dig[0] == 48)) {
            dig[nd] = 48; dig[nd + 1] = 48;
            nd += 2;
            f /= 100.0;
        }
        if (decimal) for (int j = 0; j < d; ++j) dig[nd++] = 48;   /* the fixed point's zeros */
    } else {
        nd = mc_fixed_digits(fabs(v), decimal ? d : 0, dig);
    }
    int nint = decimal ? nd - d : nd;
    double lft[560];
    int nl = 0;
    if (decimal && (v < 0.0 || (v == 0.0 && signbit(v)))) lft[nl++] = 45.0;
    for (int j = 0; j < nint; ++j) {
        lft[nl++] = (double)dig[j];
        if (comma && j < nint - 1 && (nint - 1 - j) % 3 == 0) lft[nl++] = 44.0;
    }
    int a = 0;
    while (a < nl && lft[a] == 48.0) ++a;
    double rgt[64];
    int nr = 0;
    if (decimal) {
        for (int j = nint; j < nd; ++j) rgt[nr++] = (double)dig[j];
        while (nr > 0 && rgt[nr - 1] == 48.0) --nr;
    }
    int start = w, at = s + 7;
    w = mc_fmt_convert(z, w, p, &at, nleft, lft + a, nl - a, true, neg);
    for (int i = start, j = w - 1; i < j; ++i, --j) { C t = z[i]; z[i] = z[j]; z[j] = t; }
    if (decimal) {
        z[w] = (C)46;
        w = mc_fmt_convert(z, w + 1, p, &at, nright, rgt, nr, false, false);
    }
    return w;
}

template <class C> MC_HD int mc_write_pycel(C *z, int w, double data, const double *p, int b) {
    int s = mc_fmt_section(data, p, b);
    if (s < 0) {
        if (data < 0.0) z[w++] = (C)45;
        return w;
    }
    double kind = p[s];
    if (kind == MC_DT) return mc_write_dt(z, w, data, p, s);
    bool neg = false;
    bool whole = data == floor(data) && (data < 0.0 || data >= MC_DATE_MAX_INT);
    if (data < 0.0) { data = -data; neg = p[b + 6] < 2.0; }
    if (kind == MC_NUM) return mc_write_num(z, w, data, p, s, neg, whole);
    if (neg) z[w++] = (C)45;
    return mc_copy(z, w, p, s + 2, (int)p[s + 1]);
}

/* TEXT(x, format) at z[pos:] (kv[off:] the format's plan; x finite); the new end */
template <class C> MC_NI double dput_format(C *z, double pos, double x, const double *kv, double off) {
    int w = (int)pos;
    if (!isfinite(x)) return pos;
    int b = mc_fmt_body(x, kv, (int)off);
    double kind = kv[b];
    if (kind == MC_GENERAL) return (double)mc_general11(z, w, x);
    double data = mc_fmt_prepared(x, kv, b);
    if (kind == MC_SCI) return (double)mc_scientific(z, w, data, kv, b + 6);
    return (double)mc_write_pycel(z, w, data, kv, b);
}
/* ------------------------------------------------------------ end of TEXT formats */
"""

# the id of a key made per trial (numba/_dtext_rt.py's READ_NAMES): in every kernel that
# reads dynamic text (VALUE of such text: _rt_dvalue's dnum)
DTEXT_READ_NAMES: tuple[str, ...] = ("dintern", *DCRITERIA_NAMES,   # criteria: _rt_dcriteria
                                     *DTEXT_ARGS_NAMES,   # TEXTBEFORE/AFTER: _rt_dtext_args
                                     *DLINES_NAMES)   # lookups of such text: _rt_dlines

DTEXT_READ_RUNTIME = r"""
/* ------------------------------------------------------------ keys made per trial (numba/_dtext_rt.py) */
/* the id of the known text z[a:b] equals case aside (kv[off]: how many; then per text: id,
   length, lower-case code points), or ``other`` */
template <class C> MC_NI double dintern(const C *z, double a, double b, const double *kv,
                                        double off, double other) {
    int n = (int)kv[(long long)off];
    long long at = (long long)off + 1;
    int m = (int)(b - a);
    for (int t = 0; t < n; ++t) {
        double k = kv[at];
        int length = (int)kv[at + 1];
        if (length == m) {
            bool same = true;
            for (int j = 0; j < m; ++j)
                if ((double)mc_fold((int)z[(int)a + j]) != kv[at + 2 + j]) { same = false; break; }
            if (same) return k;
        }
        at += 2 + length;
    }
    return other;
}
/* ------------------------------------------------------------ end of keys made per trial */
""" + DCRITERIA_RUNTIME + DTEXT_ARGS_RUNTIME + DLINES_RUNTIME
