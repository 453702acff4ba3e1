"""CUDA twins of the numba kernel's scalar math, whole-number, bit, fraction and calendar
helpers (:mod:`..numba._rt_math`: FACT, FACTDOUBLE, COMBIN, COMBINA, MULTINOMIAL, PERMUT,
PERMUTATIONA, GCD, LCM, the BIT
functions, DOLLARDE/DOLLARFR, WEEKNUM, ISOWEEKNUM, DAYS360, DATEDIF, XIRR, IRR over flows whose
type varies per trial).  Private to the cupy
backend: :data:`MATH_RUNTIME` is C++ source that the generated kernel includes after
:data:`._rt.RUNTIME` (it uses ``mc_ymd``, ``mc_pairwise``, ``mc_irr_grid``, ``mc_sgn``, ``pymin``, ``pymax``
and ``MC_NAN`` from there, and :data:`._rt_calendar.CIVIL_RUNTIME`'s ``mc_fdiv``,
``mc_fmod`` and ``mc_from_ymd``)
when a line calls one of :data:`MATH_NAMES`.

Each function follows its numba twin line for line, with Python's floor division and modulo
on integers, and the factorial tables are the numba module's numbers printed with ``repr``,
so that the host build gives the numba kernel's (and numpy's) numbers.  ``mt_permut`` is
Cephes' ``poch`` recurrence for a whole count (the only path scipy takes there).

COMBIN, COMBINA and MULTINOMIAL (``mt_combin``, ``mt_combina``, ``mt_gammaln``) are scipy's
``binom`` and ``gammaln`` rewritten for the whole numbers these functions pass (see the
comment above ``mt_lgam_whole``): where scipy's binom is itself off (by up to 1e-9
relative at a million items, its log-gamma differences) the twin is off the same way.
"""

from __future__ import annotations

from ...functions.financial import POLISH_DONE, POLISH_STEPS, XIRR_SEED, XIRR_TRIES, XIRR_WIDTH
from ..numba._rt_math import BIT_LIMIT, FACT, FACTDOUBLE, WHOLE_LIMIT
from ._rt_calendar import CIVIL_RUNTIME

__all__ = ["MATH_CALLS", "MATH_NAMES", "MATH_RUNTIME"]

MATH_NAMES: tuple[str, ...] = ("mt_fact", "mt_factdouble", "mt_combin", "mt_combina",
                               "mt_gammaln", "mt_permut", "mt_pow", "mt_gcd",
                               "mt_lcm", "mt_bitop", "mt_bitshift", "mt_dollar", "mt_weeknum",
                               "mt_isoweek", "mt_days360", "mt_datedif", "mt_xirr",
                               "mt_irr_masked")
# numpy functions the generated lines of numba/_mathfns.py call, as CUDA math functions
MATH_CALLS: dict[str, str] = {"np.arcsinh": "asinh", "np.arccosh": "acosh",
                              "np.arctanh": "atanh", "np.sinh": "sinh", "np.cosh": "cosh",
                              "np.expm1": "expm1", "np.log1p": "log1p", "np.rint": "rint",
                              "np.mod": "pymod"}


def _c_list(xs) -> str:
    return ", ".join(repr(float(x)) for x in xs)


_BODY = r"""
/* ------------------------------------------------------------ scalar math (numba/_rt_math.py) */
@CIVIL@
#ifdef __CUDACC__
__constant__ double mt_fact_table[] = {@FACT@};
__constant__ double mt_factdouble_table[] = {@FACTDOUBLE@};
#else
static const double mt_fact_table[] = {@FACT@};
static const double mt_factdouble_table[] = {@FACTDOUBLE@};
#endif

MC_HD double mt_trunc(double x) { return isfinite(x) ? trunc(x) : x; }

MC_HD double mt_fact(double x) {
    double k = mt_trunc(x);
    if (k != k) return MC_NAN;
    return mt_fact_table[(int)pymin(pymax(k, 0.0), 170.0)];
}

MC_HD double mt_factdouble(double x) {
    double k = mt_trunc(x);
    if (x < -1.0 || k > 300.0 || k != k) return MC_NAN;
    return mt_factdouble_table[(int)pymax(k, 0.0)];
}

/* COMBIN, COMBINA, MULTINOMIAL: scipy.special's binom (as comb calls it) and gammaln at the
   whole arguments these functions pass, written for whole numbers.  gammaln(m): below 14
   log((m - 1)!) (Cephes' recurrence multiplies the same exact product), from 14 on
   Stirling's series in Cephes' order (the terms to 1/1188 below 1000, to 1/1260 above, none
   above 1e8): equal to scipy bit for bit on every m in 1 .. 2e5 and 2e5 random larger ones.
   binom keeps scipy's branches: at most 19 factors multiplied, the asymptotic log-beta for
   n >= 1e10 k, else 1 / (n + 1) / B(n - k + 1, k + 1), B by gammaln differences once
   a + b > 171.62 (so scipy's own rounding at a million items comes out the same) and from
   the factorial table below (scipy's Gamma there is within 3e-15 of it). */
MC_HD double mt_lgam_whole(double m) {            /* gammaln(m), m whole >= 1 */
    if (m < 14.0) return log(mt_fact_table[(int)m - 1]);
    double q = (m - 0.5) * log(m) - m + 0.91893853320467274178;   /* log sqrt(2 pi) */
    if (m > 1.0e8) return q;
    double p = 1.0 / (m * m);
    if (m >= 1000.0) return q + ((1.0 / 1260.0 * p - 1.0 / 360.0) * p + 1.0 / 12.0) / m;
    return q + ((((p / 1188.0 - 1.0 / 1680.0) * p + 1.0 / 1260.0) * p - 1.0 / 360.0) * p
                + 1.0 / 12.0) / m;
}

MC_HD double mt_gammaln(double x) {               /* scipy.special.gammaln */
    if (x >= 1.0 && x == floor(x) && isfinite(x)) return mt_lgam_whole(x);
    return lgamma(x);                             /* not met by MULTINOMIAL's whole numbers */
}

MC_HD double mt_lbeta_whole(double a, double b, bool logs) {   /* log B(a, b) or B(a, b) */
    if (a < b) { double t = a; a = b; b = t; }
    double r;
    if (a > 1.0e6 * b && a > 1.0e6) {             /* the asymptotic series in 1 / a */
        r = mt_lgam_whole(b);
        r -= b * log(a);
        r += b * (1 - b) / (2 * a);
        r += b * (1 - b) * (1 - 2 * b) / (12 * a * a);
        r += -b * b * (1 - b) * (1 - b) / (12 * a * a * a);
    } else if (a + b > 171.624376956302725) {
        r = mt_lgam_whole(a) + (mt_lgam_whole(b) - mt_lgam_whole(a + b));
    } else {
        double g = mt_fact_table[(int)a - 1] / mt_fact_table[(int)(a + b) - 1]
                   * mt_fact_table[(int)b - 1];
        return logs ? log(g) : g;
    }
    return logs ? r : exp(r);
}

MC_HD double mt_comb(double n, double k) {        /* scipy.special.comb(n, k), whole n, k */
    if (!(k <= n && n >= 0.0 && k >= 0.0)) return 0.0;
    if (!isfinite(n)) return MC_NAN;              /* no workbook number */
    double kx = (k > n / 2.0 && n > 0.0) ? n - k : k;
    if (kx < 20.0) {
        double num = 1.0, den = 1.0;
        for (int i = 1; i < 1 + (int)kx; ++i) {
            num *= i + n - kx;
            den *= i;
            if (fabs(num) > 1e50) {
                num /= den;
                den = 1.0;
            }
        }
        return num / den;
    }
    if (n >= 1e10 * k) return exp(-mt_lbeta_whole(1 + n - k, 1 + k, true) - log(n + 1));
    return 1 / (n + 1) / mt_lbeta_whole(1 + n - k, 1 + k, false);
}

MC_HD double mt_combin(double n, double k) {      /* integers._combin's value */
    n = mt_trunc(n);
    k = mt_trunc(k);
    if (n < 0.0 || k < 0.0 || n < k) return rint(mt_comb(1.0, 0.0));
    return rint(mt_comb(n, k));
}

MC_HD double mt_combina(double n, double k) {     /* integers._combina's value */
    n = mt_trunc(n);
    k = mt_trunc(k);
    if (n < 0.0 || k < 0.0 || (n == 0.0 && k > 0.0)) return rint(mt_comb(1.0, 0.0));
    return rint(mt_comb(n + k - 1.0, k));
}

MC_HD double mt_poch(double a, double m) {   /* Cephes poch for a whole m >= 0 */
    double r = 1.0;
    while (m >= 1.0) {
        if (a + m == 1.0) break;
        m -= 1.0;
        r *= (a + m);
        if (!isfinite(r) || r == 0.0) break;
    }
    return r;
}

MC_HD double mt_permut(double n, double k) {
    n = trunc(n); k = trunc(k);
    if (n <= 0.0 || k < 0.0 || n < k) return mt_poch(1.0, 0.0);
    return mt_poch(n - k + 1.0, k);
}

MC_HD double mt_pow(double a, double b) { return pow(a, b); }

MC_HD long long mt_whole(double x) {
    double t = isfinite(x) ? trunc(x) : -1.0;
    return (t >= 0.0 && t < @WHOLE@) ? (long long)t : 0;
}
MC_HD long long mt_gcd_int(long long a, long long b) {
    while (b != 0) { long long t = a % b; a = b; b = t; }
    return a;
}
MC_HD double mt_gcd(double acc, double x) {
    return (double)mt_gcd_int((long long)acc, mt_whole(x));
}
MC_HD double mt_lcm(double acc, double x) {
    if (acc < 0.0) return -1.0;
    long long a = (long long)acc, b = mt_whole(x);
    if (a == 0 || b == 0) return 0.0;
    long long q = a / mt_gcd_int(a, b);
    if (q > ((long long)@WHOLE@ - 1) / b) return -1.0;
    return (double)(q * b);
}

MC_HD bool mt_bits_bad(double x) {
    return x < 0.0 || x >= @BITS@ || !isfinite(x) || trunc(x) != x;
}
MC_HD double mt_bitop(double a, double b, int op) {
    if (mt_bits_bad(a) || mt_bits_bad(b)) return MC_NAN;
    long long ia = (long long)a, ib = (long long)b;
    return (double)(op == 0 ? (ia & ib) : op == 1 ? (ia | ib) : (ia ^ ib));
}
MC_HD double mt_bitshift(double a, double s, int left) {
    double k = mt_trunc(s);
    if (left == 0) k = -k;
    double out = k >= 0.0 ? a * pow(2.0, pymin(pymax(k, 0.0), 1100.0))
                          : a / pow(2.0, pymin(pymax(-k, 0.0), 1100.0));
    out = mt_trunc(out);
    if (mt_bits_bad(a) || fabs(s) > 53.0 || out >= @BITS@ || s != s) return MC_NAN;
    return out;
}

MC_HD double mt_dollar(double x, double f, int whole) {
    f = mt_trunc(f);
    double digits = ceil(log10(f > 0.0 ? f : 1.0));
    if (pow(10.0, digits) == f) digits += 1.0;
    double scale = pow(10.0, digits);
    double ip = mt_trunc(x);
    double frac = x - ip;
    return whole != 0 ? ip + frac * scale / f : ip + frac * f / scale;
}

MC_HD bool mt_bad_serial(double s) {
    return s < 0.0 || s >= @MAXSERIAL@ + 1.0 || !isfinite(s);
}
MC_HD long long mt_weekday0(double s, long long shift) {
    return mc_fmod((long long)floor(s) + shift + 5, 7);
}
MC_HD double mt_jan1(double s, long long shift) {
    long long y, m, d;
    mc_ymd(s, shift, &y, &m, &d);
    return mc_from_ymd(y, 1, 1, shift);
}
MC_HD double mt_iso(double s, long long shift) {
    double thursday = floor(s) - (double)mt_weekday0(s, shift) + 3.0;
    double jan1 = mt_jan1(thursday, shift);
    return floor((thursday - jan1) / 7.0) + 1.0;
}
MC_HD double mt_isoweek(double s, long long shift) {
    return mt_bad_serial(s) ? MC_NAN : mt_iso(s, shift);
}
MC_HD double mt_weeknum(double s, double kind, long long shift) {
    double k = mt_trunc(kind);
    bool ok = k == 1.0 || k == 2.0 || k == 21.0 || (k >= 11.0 && k <= 17.0);
    if (mt_bad_serial(s) || !ok) return MC_NAN;
    if (k == 21.0) return mt_iso(s, shift);
    double jan1 = mt_jan1(s, shift);
    long long start = k == 1.0 ? 6 : (k == 2.0 ? 0 : (long long)k - 11);
    long long offset = mc_fmod(mt_weekday0(jan1, shift) - start, 7);
    return floor((floor(s) - jan1 + (double)offset) / 7.0) + 1.0;
}
MC_HD double mt_days360(double s1, double s2, double eu, long long shift) {
    double a = floor(s1), b = floor(s2);
    if (mt_bad_serial(a) || mt_bad_serial(b)) return MC_NAN;
    long long y1, m1, d1, y2, m2, d2, yn, mn, dn;
    mc_ymd(a, shift, &y1, &m1, &d1);
    mc_ymd(b, shift, &y2, &m2, &d2);
    bool europe = eu != 0.0;
    mc_ymd(a + 1.0, shift, &yn, &mn, &dn);
    bool feb_end = m1 == 2 && mn == 3;
    if (d1 == 31) d1 = 30;
    else if (!europe && feb_end) d1 = 30;
    if (d2 == 31 && (europe || d1 == 30)) d2 = 30;
    return (double)(y2 - y1) * 360.0 + (double)(m2 - m1) * 30.0 + (double)(d2 - d1);
}
MC_HD long long mt_real_day(double s, long long shift) {
    long long x = (long long)floor(s) + shift;
    return x >= 61 ? x : x + 1;
}
MC_HD double mt_datedif(double s1, double s2, double unit, long long shift) {
    double a = floor(s1), b = floor(s2);
    if (a > b || mt_bad_serial(a) || mt_bad_serial(b) || unit < 0.0 || a != a || b != b)
        return MC_NAN;
    long long y1, m1, d1, y2, m2, d2;
    mc_ymd(a, shift, &y1, &m1, &d1);
    mc_ymd(b, shift, &y2, &m2, &d2);
    long long months = (y2 - y1) * 12 + (m2 - m1) - (d2 < d1 ? 1 : 0);
    if (unit == 0.0) return (double)mc_fdiv(months, 12);
    if (unit == 1.0) return (double)months;
    if (unit == 2.0) return b - a;
    if (unit == 3.0) {
        if (d2 >= d1) return (double)(d2 - d1);
        return b - mc_from_ymd(y2, m2 - 1, d1, shift);
    }
    if (unit == 4.0) return (double)mc_fmod(months, 12);
    bool ge = m2 > m1 || (m2 == m1 && d2 >= d1);
    double anniv = mc_from_ymd(ge ? y2 : y2 - 1, m1, d1, shift);
    return b - a - (double)(mt_real_day(anniv, shift) - mt_real_day(a, shift));
}
/* XIRR: financial.xirr's Newton, polish and bracketing (as irr in ._rt, on dated flows) */
struct MtPair { double v[2]; MC_HD double operator[](int i) const { return v[i]; } };
MC_HD void mt_xnpv_fd(double *z, int n, double r, double *f, double *df) {
    double d = 1.0 + r;
    for (int j = 0; j < n; ++j) {
        z[2 * n + j] = z[j] * pow(d, -z[n + j]);
        z[3 * n + j] = -z[n + j] * z[2 * n + j] / d;
    }
    *f = mc_pairwise(z, 2 * n, n);
    *df = mc_pairwise(z, 3 * n, n);
}
MC_HD MtPair mt_xirr_bracket(double *z, int n, double guess) {
    double best = MC_INF, prev, nxt, jf = 0.0, tmp;
    int j = 0;
    mt_xnpv_fd(z, n, mc_irr_grid[0], &prev, &tmp);
    for (int g = 0; g < MC_IRR_N - 1; ++g) {
        mt_xnpv_fd(z, n, mc_irr_grid[g + 1], &nxt, &tmp);
        if (mc_sgn(prev) * mc_sgn(nxt) < 0.0) {
            double dist = fabs((mc_irr_grid[g] + mc_irr_grid[g + 1]) / 2.0 - guess);
            if (dist < best) { best = dist; j = g; jf = prev; }
        }
        prev = nxt;
    }
    MtPair out;
    if (!(best < MC_INF)) { out.v[0] = MC_NAN; out.v[1] = 0.0; return out; }
    double lo = mc_irr_grid[j], hi = mc_irr_grid[j + 1], flo = jf, fm;
    for (int k = 0; k < 200; ++k) {
        double mid = (lo + hi) / 2.0;
        mt_xnpv_fd(z, n, mid, &fm, &tmp);
        if (mc_sgn(fm) == mc_sgn(flo)) { lo = mid; flo = fm; } else hi = mid;
    }
    out.v[0] = (lo + hi) / 2.0; out.v[1] = 1.0;
    return out;
}
MC_HD bool mt_sign_change(const double *z, int n) {
    bool pos = false, neg = false;
    for (int j = 0; j < n; ++j) { pos = pos || z[j] > 0.0; neg = neg || z[j] < 0.0; }
    return pos && neg;
}
MC_HD MtPair mt_solve_dated(double *z, int n, double guess);
MC_HD double mt_xnpv_at(double *z, int n, double r) {
    double f, df;
    mt_xnpv_fd(z, n, r, &f, &df);
    return f;
}
MC_HD double mt_sgn(double x) { return x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : 0.0); }
/* financial.excel_xirr_search for one trial (a guess >= 0): (rate, found 1.0 or 0.0) */
MC_HD MtPair mt_excel_xirr(double *z, int n, double guess) {
    MtPair out; out.v[0] = MC_NAN; out.v[1] = 0.0;
    double s = guess > 0.0 ? guess : @XIRR_SEED@;
    double fs = mt_xnpv_at(z, n, s);
    if (fs == 0.0) { out.v[0] = s; out.v[1] = 1.0; return out; }
    if (!isfinite(fs)) return out;
    bool up = mt_sgn(fs) != mt_sgn(mt_xnpv_at(z, n, MC_INF)), found = false;
    double lo = s, hi = s, flo = fs;
    for (int t = 0; t < @XIRR_TRIES@; ++t) {
        double nxt = up ? hi * 2.0 : lo / 2.0, fn = mt_xnpv_at(z, n, nxt);
        if (up) { lo = hi; hi = nxt; } else { lo = nxt; hi = nxt * 2.0; flo = fn; }
        if (!isfinite(fn)) break;
        if (mt_sgn(fn) != mt_sgn(fs)) { found = true; break; }
    }
    if (!found) return out;
    for (;;) {
        double mid = (lo + hi) / 2.0, fm = mt_xnpv_at(z, n, mid);
        bool inside = lo < mid && mid < hi;  /* a huge root: no double left between */
        if (mt_sgn(fm) == mt_sgn(flo)) { lo = mid; flo = fm; } else hi = mid;
        if (fm == 0.0 || hi - lo < @XIRR_WIDTH@ || !inside) { out.v[0] = mid; out.v[1] = 1.0; return out; }
    }
}
MC_HD MtPair mt_xirr(double *z, int n, double guess) {
    if (!(mt_sign_change(z, n) && guess > -1.0)) {
        MtPair out; out.v[0] = guess; out.v[1] = 0.0; return out;
    }
    if (guess >= 0.0) {
        MtPair ex = mt_excel_xirr(z, n, guess);
        if (ex.v[1] == 1.0) return ex;
    }
    return mt_solve_dated(z, n, guess);
}
MC_HD MtPair mt_irr_masked(double *z, int n, double guess) {
    if (!mt_sign_change(z, n)) { MtPair out; out.v[0] = guess; out.v[1] = 0.0; return out; }
    return mt_solve_dated(z, n, guess);
}
MC_HD MtPair mt_solve_dated(double *z, int n, double guess) {
    MtPair out;
    double x = guess, f, df;
    for (int it = 0; it < 100; ++it) {
        mt_xnpv_fd(z, n, x, &f, &df);
        double step = f / df, nw = x - step;
        bool bad = !isfinite(nw) || nw <= -1.0;
        if (fabs(step) <= 1e-7 * pymax(1.0, fabs(nw)) && !bad) {
            double y = nw, fy, dfy;
            for (int k = 0; k < @POLISH_STEPS@; ++k) {
                mt_xnpv_fd(z, n, y, &fy, &dfy);
                double st = dfy != 0.0 ? fy / dfy : 0.0, y2 = y - st;
                if (!(isfinite(y2) && y2 > -1.0)) break;
                y = y2;
                if (fabs(st) <= @POLISH_DONE@ * pymax(1.0, fabs(y2))) break;
            }
            out.v[0] = y; out.v[1] = 1.0;
            return out;
        }
        if (bad) break;
        x = nw;
    }
    return mt_xirr_bracket(z, n, guess);
}
/* ------------------------------------------------------------ end of scalar math */
"""

MATH_RUNTIME = (_BODY.replace("@CIVIL@", CIVIL_RUNTIME)
                .replace("@FACT@", _c_list(FACT)).replace("@FACTDOUBLE@", _c_list(FACTDOUBLE))
                .replace("@WHOLE@", repr(WHOLE_LIMIT)).replace("@BITS@", repr(BIT_LIMIT))
                .replace("@MAXSERIAL@", "2958465.0").replace("@POLISH_STEPS@", str(POLISH_STEPS))
                .replace("@POLISH_DONE@", repr(POLISH_DONE)).replace("@XIRR_SEED@", repr(XIRR_SEED))
                .replace("@XIRR_TRIES@", str(XIRR_TRIES)).replace("@XIRR_WIDTH@", repr(XIRR_WIDTH)))
