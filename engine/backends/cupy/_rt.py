"""The CUDA runtime that generated GPU kernels include (private to the cupy backend).

:data:`RUNTIME` is C++ source, every function ``__host__ __device__``: the same code runs in
a CUDA kernel and, compiled by ``nvcc`` for the host, on the CPU, which is how the tests check
it bit for bit against numpy without a GPU.  It mirrors :mod:`._numba_rt`:

* Philox4x32-10 and the uniform recipe of :mod:`engine.sampling` (counter = (trial lo,
  trial hi, stream, 0), key = (seed lo, seed hi)): bit-identical uniforms.  32x32 -> 64-bit
  products through ``unsigned long long`` (``mul.hi`` on the GPU).  Kernels are compiled with
  ``--fmad=false`` so that no multiply-add is contracted and the arithmetic of the cells
  rounds as numpy's does;
* inverse CDFs: uniform, triangular, discrete and the closed forms of ``ppf_closed``
  (exponential, Weibull, ..., geometric; exact formulas, as numpy), normal and
  lognormal through Cephes' ``ndtri`` (the algorithm and coefficients of scipy's), and
  ``ndtr`` as scipy's (Cephes' erf/erfc approximations): equal to scipy up to the rounding of
  ``log``, ``sqrt``, ``exp`` (a unit in the last place, rarely; bit for bit on the host);
* the branch-free helpers of the generated code (``fe``, ``nf``, ``pymax`` ...), Python's
  float ``%`` and ``max``/``min`` (NaN handling as Python's), Excel's ROUND family with the
  15-digit snap, binary powering, and IRR (Newton then the same bracketing grid).

``real`` (``double``, or ``float`` for the float32 option) is defined by the generated
source before this runtime.
"""

from __future__ import annotations

import numpy as np

from ...functions.financial import POLISH_DONE, POLISH_STEPS
from ...functions.math import POW10
from ...powers import E_CLIP, WHOLE_LIMIT
from ..numba._rt import _IRR_GRID

__all__ = ["RUNTIME", "irr_grid_source"]


def _c_list(values: np.ndarray) -> str:
    """float64 values as a C initializer list (repr round-trips every double exactly)."""
    return ", ".join(repr(float(x)) for x in np.asarray(values))


def irr_grid_source() -> str:
    """IRR's bracketing grid (the numba runtime's array) as a C initializer list."""
    return _c_list(_IRR_GRID)


RUNTIME = r"""
#ifndef __CUDACC_RTC__
#include <cmath>
#include <cstring>
#endif
#ifndef __CUDACC__  /* a plain C++ compiler: the host build that tests run on the CPU */
#define __host__
#define __device__
#define __forceinline__ inline
using std::isfinite;
#endif
#define MC_HD __host__ __device__ __forceinline__
typedef unsigned int u32;
typedef unsigned long long u64;

MC_HD double mc_bits(u64 b) {
#ifdef __CUDA_ARCH__
    return __longlong_as_double((long long)b);
#else
    double d; memcpy(&d, &b, sizeof d); return d;
#endif
}
#define MC_NAN mc_bits(0x7FF8000000000000ull)
#define MC_INF mc_bits(0x7FF0000000000000ull)
#define MC_BELOW_ONE (1.0 - 1.1102230246251565e-16)

MC_HD u32 mc_mulhi(u32 a, u32 b) { return (u32)(((u64)a * (u64)b) >> 32); }

/* Philox4x32-10 of (c0, c1, c2, c3) under (k0, k1): words x0, x1 (all the uniform needs) */
MC_HD void philox(u32 c0, u32 c1, u32 c2, u32 c3, u32 k0, u32 k1, u32 *x) {
    for (int r = 0; r < 10; ++r) {
        u32 hi0 = mc_mulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
        u32 hi1 = mc_mulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
        u32 n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
        k0 += 0x9E3779B9u; k1 += 0xBB67AE85u;
    }
    x[0] = c0; x[1] = c1; x[2] = c2; x[3] = c3;
}

/* engine.sampling.uniforms for one (seed key, stream, trial) */
MC_HD double u01(u64 key0, u64 key1, u64 stream, u64 trial) {
    u32 x[4];
    philox((u32)(trial & 0xFFFFFFFFull), (u32)(trial >> 32), (u32)(stream & 0xFFFFFFFFull), 0u,
           (u32)key0, (u32)key1, x);
    double u = ((double)(x[0] >> 5) * 67108864.0 + (double)(x[1] >> 6) + 0.5)
               / 9007199254740992.0;
    return u < MC_BELOW_ONE ? u : MC_BELOW_ONE;
}

/* ------------------------------------------------------------ inverse CDFs */
/* Cephes' ndtri (S. L. Moshier), the algorithm and coefficients scipy.special.ndtri uses,
   so that the GPU draws the numbers of the CPU backends up to log/sqrt rounding */
MC_HD double mc_polevl(double x, const double *c, int n) {  /* c[0] x^n + ... + c[n] */
    double r = c[0];
    for (int i = 1; i <= n; ++i) r = r * x + c[i];
    return r;
}
MC_HD double mc_p1evl(double x, const double *c, int n) {   /* x^n + c[0] x^(n-1) + ... */
    double r = x + c[0];
    for (int i = 1; i < n; ++i) r = r * x + c[i];
    return r;
}

/* --- ndtr as scipy's (engineer J): Cephes' erf and erfc (S. L. Moshier), the rational
   approximations, constants and branches of scipy.special's ndtr, so that NORM.DIST gives the
   numba backend's numbers bit for bit (libm's erfc differed in the last place, and
   NORM.INV(NORM.DIST(m,..)) missed m by 7e-15).  Only exp is the platform's. */
MC_HD double mc_cephes_erf_small(double x) {     /* |x| <= 1: x T(x^2) / U(x^2) */
    const double T[5] = {9.60497373987051638749E0, 9.00260197203842689217E1,
        2.23200534594684319226E3, 7.00332514112805075473E3, 5.55923013010394962768E4};
    const double U[5] = {3.35617141647503099647E1, 5.21357949780152679795E2,
        4.59432382970980127987E3, 2.26290000613890934246E4, 4.92673942608635921086E4};
    double z = x * x;
    return x * mc_polevl(z, T, 4) / mc_p1evl(z, U, 5);
}
MC_HD double mc_cephes_erfc(double a) {          /* exp(-a^2) P(|a|)/Q(|a|), P/Q by |a| < 8 */
    const double P[9] = {2.46196981473530512524E-10, 5.64189564831068821977E-1,
        7.46321056442269912687E0, 4.86371970985681366614E1, 1.96520832956077098242E2,
        5.26445194995477358631E2, 9.34528527171957607540E2, 1.02755188689515710272E3,
        5.57535335369399327526E2};
    const double Q[8] = {1.32281951154744992508E1, 8.67072140885989742329E1,
        3.54937778887819891062E2, 9.75708501743205489753E2, 1.82390916687909736289E3,
        2.24633760818710981792E3, 1.65666309194161350182E3, 5.57535340817727675546E2};
    const double R[6] = {5.64189583547755073984E-1, 1.27536670759978104416E0,
        5.01905042251180477414E0, 6.16021097993053585195E0, 7.40974269950448939160E0,
        2.97886665372100240670E0};
    const double S[6] = {2.26052863220117276590E0, 9.39603524938001434673E0,
        1.20489539808096656605E1, 1.70814450747565897222E1, 9.60896809063285878198E0,
        3.36907645100081516050E0};
    if (a != a) return a;
    double x = fabs(a);
    if (x < 1.0) return 1.0 - (a < 0.0 ? -mc_cephes_erf_small(-a) : mc_cephes_erf_small(a));
    double z = -a * a;
    if (z < -7.09782712893383996843E2) return a < 0.0 ? 2.0 : 0.0;   /* MAXLOG: underflow */
    z = exp(z);
    double y = x < 8.0 ? (z * mc_polevl(x, P, 8)) / mc_p1evl(x, Q, 8)
                       : (z * mc_polevl(x, R, 5)) / mc_p1evl(x, S, 6);
    if (a < 0.0) y = 2.0 - y;
    return y != 0.0 ? y : (a < 0.0 ? 2.0 : 0.0);
}
MC_HD double mc_cephes_erf(double x) {           /* odd; 1 - erfc(x) beyond 1 */
    if (x != x) return x;
    double ax = x < 0.0 ? -x : x;
    double r = ax > 1.0 ? 1.0 - mc_cephes_erfc(ax) : mc_cephes_erf_small(ax);
    return x < 0.0 ? -r : r;
}
MC_HD double ndtr(double a) {                    /* scipy.special.ndtr */
    if (a != a) return a;
    double x = a * 0.70710678118654752440, z = fabs(x);
    if (z < 1.0) return 0.5 + 0.5 * mc_cephes_erf(x);
    double y = 0.5 * mc_cephes_erfc(z);
    return x > 0.0 ? 1.0 - y : y;
}
/* --- end of ndtr as scipy's */

MC_HD double ndtri(double y0) {
    const double P0[5] = {-5.99633501014107895267E1, 9.80010754185999661536E1,
        -5.66762857469070293439E1, 1.39312609387279679503E1, -1.23916583867381258016E0};
    const double Q0[8] = {1.95448858338141759834E0, 4.67627912898881538453E0,
        8.63602421390890590575E1, -2.25462687854119370527E2, 2.00260212380060660359E2,
        -8.20372256168333339912E1, 1.59056225126211695515E1, -1.18331621121330003142E0};
    const double P1[9] = {4.05544892305962419923E0, 3.15251094599893866154E1,
        5.71628192246421288162E1, 4.40805073893200834700E1, 1.46849561928858024014E1,
        2.18663306850790267539E0, -1.40256079171354495875E-1, -3.50424626827848203418E-2,
        -8.57456785154685413611E-4};
    const double Q1[8] = {1.57799883256466749731E1, 4.53907635128879210584E1,
        4.13172038254672030440E1, 1.50425385692907503408E1, 2.50464946208309415979E0,
        -1.42182922854787788574E-1, -3.80806407691578277194E-2, -9.33259480895457427372E-4};
    const double P2[9] = {3.23774891776946035970E0, 6.91522889068984211695E0,
        3.93881025292474443415E0, 1.33303460815807542389E0, 2.01485389549179081538E-1,
        1.23716634817820021358E-2, 3.01581553508235416007E-4, 2.65806974686737550832E-6,
        6.23974539184983293730E-9};
    const double Q2[8] = {6.02427039364742014255E0, 3.67983563856160859403E0,
        1.37702099489081330271E0, 2.16236993594496635890E-1, 1.34204006088543189037E-2,
        3.28014464682127739104E-4, 2.89247864745380683936E-6, 6.79019408009981274425E-9};
    const double expm2 = 0.13533528323661269189;  /* exp(-2) */
    if (y0 == 0.0) return -MC_INF;
    if (y0 == 1.0) return MC_INF;
    if (!(y0 > 0.0 && y0 < 1.0)) return MC_NAN;
    bool lower = true;
    double y = y0;
    if (y > 1.0 - expm2) { y = 1.0 - y; lower = false; }
    if (y > expm2) {
        y = y - 0.5;
        double y2 = y * y;
        double x = y + y * (y2 * mc_polevl(y2, P0, 4) / mc_p1evl(y2, Q0, 8));
        return x * 2.50662827463100050242E0;
    }
    double x = sqrt(-2.0 * log(y));
    double x0 = x - log(x) / x;
    double z = 1.0 / x;
    double x1 = x < 8.0 ? z * mc_polevl(z, P1, 8) / mc_p1evl(z, Q1, 8)
                        : z * mc_polevl(z, P2, 8) / mc_p1evl(z, Q2, 8);
    x = x0 - x1;
    return lower ? -x : x;
}

MC_HD double ppf_uniform(double u, double a, double b) { return a + u * (b - a); }

MC_HD double ppf_triangular(double u, double a, double c, double b) {
    double fc = (c - a) / (b - a);
    double left = a + sqrt(u * (b - a) * (c - a));
    double right = b - sqrt((1.0 - u) * (b - a) * (b - c));
    return u < fc ? left : right;
}

MC_HD double ppf_normal(double u, double mean, double sd) { return mean + sd * ndtri(u); }

MC_HD double ppf_lognormal(double u, double mu, double sigma) { return exp(mu + sigma * ndtri(u)); }

/* the closed-form inverse CDFs of the numba runtime's ppf_closed (code: its CLOSED_KINDS),
   with the truncation and shift of engine.distributions.Adjusted */
MC_HD double mc_logit(double x) {
    if (x < 0.3 || x > 0.65) return log(x / (1.0 - x));
    double s = 2.0 * (x - 0.5);
    return log1p(s) - log1p(-s);
}

MC_HD double ppf_closed(double u, double code, double a, double b, double c, double plo,
                        double phi, double shift) {
    /* truncation clip (engine.distributions.Adjusted): the mapped uniform within
       [smallest positive double, 1 - 2**-53], as numpy's np.clip and numba's _truncated */
    double v = plo + u * (phi - plo);
    if (v < mc_bits(1ull)) v = mc_bits(1ull);
    else if (v > MC_BELOW_ONE) v = MC_BELOW_ONE;
    double x;
    switch ((int)code) {
    case 0: x = a * -log1p(-v); break;                                /* exponential */
    case 1: x = a * pow(-log1p(-v), b); break;                        /* weibull */
    case 2: x = a * sqrt(2.0 * -log1p(-v)); break;                    /* rayleigh */
    case 3: x = a * exp(-log1p(-v) / b); break;                       /* pareto */
    case 4: x = a + b * mc_logit(v); break;                           /* logistic */
    case 5: x = a - b * log(-log(v)); break;                          /* extvalue */
    case 6: x = a + b * exp((log(v) - log1p(-v)) / c); break;         /* loglogistic */
    case 7: x = a + fmin(floor(v * b), b - 1.0); break;               /* intuniform */
    case 8: x = v > a ? 1.0 : 0.0; break;                             /* bernoulli */
    case 10: x = a + b * ndtri(v); break;                             /* normal */
    case 11: x = exp(a + b * ndtri(v)); break;                        /* lognormal */
    case 12: x = a + v * (b - a); break;                              /* uniform */
    case 13: x = ppf_triangular(v, a, c, b); break;                   /* triangular */
    default:                                                          /* geometric */
        if (v <= 0.0) x = -1.0;
        else if (v >= 1.0) x = mc_bits(0x7FF0000000000000ull);
        else {
            double n = ceil(log1p(-v) / a);
            x = ((-expm1(a * floor(n - 1.0)) >= v && n > 0.0) ? n - 1.0 : n) - 1.0;
        }
    }
    return x + shift;
}

/* dp[off] = n, then n values, then their cumulative probabilities */
MC_HD double ppf_discrete(double u, const double *dp, long long off) {
    long long n = (long long)dp[off];
    double out = dp[off + n];
    for (long long j = n - 2; j >= 0; --j)
        if (u < dp[off + 1 + n + j]) out = dp[off + 1 + j];
    return out;
}

/* PERT through the fast beta inverse of _numba_beta (the same table, knots from scipy):
   quintic Hermite interpolation where the table marks it exact, else Newton on the
   incomplete beta's continued fraction */
MC_HD double mc_quintic(double x0, double x1, double m0, double m1, double c0, double c1,
                        double s) {
    double s2 = s * s, s3 = s2 * s, s4 = s3 * s, s5 = s4 * s;
    return ((1.0 - 10.0 * s3 + 15.0 * s4 - 6.0 * s5) * x0
            + (s - 6.0 * s3 + 8.0 * s4 - 3.0 * s5) * m0
            + (0.5 * s2 - 1.5 * s3 + 1.5 * s4 - 0.5 * s5) * c0
            + (0.5 * s3 - s4 + 0.5 * s5) * c1
            + (-4.0 * s3 + 7.0 * s4 - 3.0 * s5) * m1
            + (10.0 * s3 - 15.0 * s4 + 6.0 * s5) * x1);
}

#define MC_FPMIN 1e-300

/* one step of the modified Lentz recurrence for coefficient aa (_numba_beta._lentz) */
MC_HD void mc_lentz(double aa, double *c, double *d) {
    double dd = 1.0 + aa * *d;
    if (fabs(dd) < MC_FPMIN) dd = MC_FPMIN;
    double cc = 1.0 + aa / *c;
    if (fabs(cc) < MC_FPMIN) cc = MC_FPMIN;
    *c = cc;
    *d = 1.0 / dd;
}

MC_HD double mc_betacf(double a, double b, double x) {
    const double eps = 2e-16;
    double qab = a + b, qap = a + 1.0, qam = a - 1.0, c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs(d) < MC_FPMIN) d = MC_FPMIN;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m < 300; ++m) {
        int m2 = 2 * m;
        mc_lentz(m * (b - m) * x / ((qam + m2) * (a + m2)), &c, &d);
        h *= d * c;
        mc_lentz(-(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)), &c, &d);
        double de = d * c;
        h *= de;
        if (fabs(de - 1.0) < eps) break;
    }
    return h;
}

MC_HD double mc_beta_newton(double x, double u, double a, double b, double lbeta) {
    if (!(0.0 < x && x < 1.0)) return x;
    double lx = log(x), l1x = log1p(-x);
    double bt = exp(a * lx + b * l1x - lbeta);
    double pdf = bt / (x * (1.0 - x));
    double r = x < (a + 1.0) / (a + b + 2.0) ? bt * mc_betacf(a, b, x) / a - u
                                             : (1.0 - u) - bt * mc_betacf(b, a, 1.0 - x) / b;
    double y = x - r / pdf;
    if (y <= 0.0) y = 0.5 * x;
    else if (y >= 1.0) y = 0.5 * (x + 1.0);
    return y;
}

MC_HD double mc_beta_solve(double x, double u, double a, double b, double lbeta) {
    for (int it = 0; it < 60; ++it) {
        double y = mc_beta_newton(x, u, a, b, lbeta);
        bool small = fabs(y - x) <= 1e-8 * fabs(y);
        x = y;
        if (small) return mc_beta_newton(x, u, a, b, lbeta);
    }
    return x;
}

MC_HD double mc_beta_inv(double u, const double *t, long long off) {
    double a = t[off], b = t[off + 1], lbeta = t[off + 2];
    long long n = (long long)t[off + 3];
    long long xs = off + 4, d1 = xs + n + 1, d2 = d1 + n + 1, good = d2 + n + 1;
    double pos = u * n;
    long long k = (long long)pos;
    if (k >= n) k = n - 1;
    if (k == 0 || k == n - 1) {
        double x;
        if (k == 0) {
            x = exp((log(u) + log(a) + lbeta) / a);
            if (x >= t[xs + 1]) x = 0.5 * t[xs + 1];
        } else {
            x = 1.0 - exp((log1p(-u) + log(b) + lbeta) / b);
            if (x <= t[xs + n - 1]) x = 0.5 * (t[xs + n - 1] + 1.0);
        }
        return mc_beta_solve(x, u, a, b, lbeta);
    }
    double s = pos - k, x0 = t[xs + k], x1 = t[xs + k + 1];
    double x = mc_quintic(x0, x1, t[d1 + k] / n, t[d1 + k + 1] / n, t[d2 + k] / (double)(n * n),
                          t[d2 + k + 1] / (double)(n * n), s);
    if (t[good + k] != 0.0 && x0 <= x && x <= x1) return x;
    if (!(x0 < x && x < x1)) x = x0 + s * (x1 - x0);
    return mc_beta_solve(x, u, a, b, lbeta);
}

/* dp[off:] = low, scale, then the beta table */
MC_HD double ppf_pertfast(double u, const double *dp, long long off) {
    return dp[off] + dp[off + 1] * mc_beta_inv(u, dp, off + 2);
}

/* ------------------------------------------------------------ building blocks */
MC_HD int fe(int a, int b) { return a != 0 ? a : b; }
template <class T> MC_HD int nf(T r) { return isfinite(r) ? 0 : 6; }
template <class A, class B> MC_HD auto pymax(A a, B b) -> decltype(a + b) { return (b > a) ? b : a; }
template <class A, class B> MC_HD auto pymin(A a, B b) -> decltype(a + b) { return (b < a) ? b : a; }
template <class T> MC_HD T mc_sign(T x) { return x > 0 ? T(1) : (x < 0 ? T(-1) : x); }

/* Python's float %: the sign of the divisor */
template <class A, class B> MC_HD auto pymod(A a, B b) -> decltype(a + b) {
    typedef decltype(a + b) T;
    T m = fmod((T)a, (T)b);
    if (m != T(0)) { if ((b < 0) != (m < 0)) m += b; }
    else m = copysign(T(0), (T)b);
    return m;
}

/* --- Python's float // and np.isinf (engineer H7): numba's floor division (CPython's
   float_divmod; a zero divisor gives a / b, as numba's numpy error model) */
template <class A, class B> MC_HD auto pyfloordiv(A a, B b) -> decltype(a + b) {
    typedef decltype(a + b) T;
    if ((T)b == T(0)) return (T)a / (T)b;
    T m = fmod((T)a, (T)b), d = ((T)a - m) / (T)b;
    if (m != T(0) && (((T)b < 0) != (m < 0))) d -= T(1);
    if (d == T(0)) return copysign(T(0), (T)a / (T)b);
    T q = floor(d);
    return d - q > T(0.5) ? q + T(1) : q;
}
MC_HD long long pyfloordiv(long long a, long long b) {
    long long q = a / b;
    return (q * b != a && ((a < 0) != (b < 0))) ? q - 1 : q;
}
template <class T> MC_HD bool mc_isinf(T x) { return x == x && !isfinite(x); }
/* --- end of Python's // */

#ifdef __CUDACC__
__constant__ double mc_pow10_table[] = {@POW10@};
#else
static const double mc_pow10_table[] = {@POW10@};
#endif

MC_HD double mc_pow10(double k) {  /* 10**k for a whole k in 0..308 (functions.math.POW10) */
    return k == k ? mc_pow10_table[(int)k] : MC_NAN;
}

MC_HD double snap15(double y) {
    double a = fabs(y);
    if (!(a > 0.0) || !isfinite(a)) return y;
    double p = 14.0 - floor(log10(a));
    if (p < 0.0 || p > 300.0) return y;
    double scale = mc_pow10(p);
    return rint(y * scale) / scale;
}

MC_HD double cmp15(double a, double b) {  /* values.COMPARISON_RULE: -1, 0 or 1 */
    double d = fabs(a - b);
    if (d > 2e-14 * pymax(fabs(a), fabs(b))) return a < b ? -1.0 : 1.0;
    double sa = snap15(a), sb = snap15(b);
    return sa < sb ? -1.0 : (sa > sb ? 1.0 : 0.0);
}

MC_HD double excel_round(double x, double digits, int how) {
    double d = pymin(pymax(trunc(digits), -308.0), 308.0);
    bool pos = d >= 0.0;
    double p = mc_pow10(fabs(d));
    double y = pos ? x * p : x / p;
    double ys = snap15(y);
    double a = fabs(ys);
    double mag = how == 0 ? floor(a + 0.5) : (how == 1 ? ceil(a) : floor(a));
    double r = ys < 0.0 ? -mag : mag;
    double out = pos ? r / p : r * p;
    if (!isfinite(y) || a >= 4503599627370496.0) return x + 0.0;
    return out + 0.0;
}

template <class T> MC_HD T ipow(T x, double k) {  /* float32 kernels: plain binary powering */
    long long n = (long long)fabs(k);
    T r = T(1), b = x;
    while (n) { if (n & 1) r *= b; b *= b; n >>= 1; }
    return k >= 0.0 ? r : T(1) / r;
}

/* ---- ^ with a whole exponent in double (engine.powers; engineer G): double-double binary
   powering, the operations of engine.powers.whole_power and numba's ipow, so the same double */
MC_HD void mc_two_prod(double a, double b, double &p, double &e) {
    p = a * b;
    double c = 134217729.0 * a, ah = c - (c - a), al = a - ah;
    double d = 134217729.0 * b, bh = d - (d - b), bl = b - bh;
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}
MC_HD void mc_dd_mul(double ah, double al, double bh, double bl, double &h, double &l) {
    double p, e;
    mc_two_prod(ah, bh, p, e);
    e = e + (ah * bl + al * bh);
    h = p + e;
    l = e - (h - p);
}
MC_HD void mc_dd_renorm(double &h, double &l, long long &ex) {
    bool small = fabs(h) < 0.5;
    double f = 1.0 + small;
    h = h * f; l = l * f; ex = ex - small;
}
MC_HD long long mc_eclip(long long e) { return e < -@E_CLIP@ ? -@E_CLIP@ : (e > @E_CLIP@ ? @E_CLIP@ : e); }
MC_HD double ipow(double x, double k) {
    if (x == 0.0 || !isfinite(x) || !(fabs(k) < @WHOLE_LIMIT@)) return pow(x, k);
    int e0;
    double bh = frexp(x, &e0), bl = 0.0, rh = 1.0, rl = 0.0;
    long long be = e0, re = 0, n = (long long)fabs(k);
    while (n) {
        if (n & 1) { mc_dd_mul(rh, rl, bh, bl, rh, rl); re = re + be; mc_dd_renorm(rh, rl, re); re = mc_eclip(re); }
        n >>= 1;
        if (n) { mc_dd_mul(bh, bl, bh, bl, bh, bl); be = mc_eclip(2 * be); mc_dd_renorm(bh, bl, be); }
    }
    if (k < 0.0) {
        double q = 1.0 / rh, p, e;
        mc_two_prod(q, rh, p, e);
        double c = (((1.0 - p) - e) - q * rl) * q;
        rh = q + c; rl = c - (rh - q);
        re = -re;
    }
    return ldexp(rh + rl, (int)re);
}

template <class A, class B> MC_HD auto excel_pow(A x, B y) -> decltype(x + y) {
    typedef decltype(x + y) T;
    if (sizeof(T) == sizeof(double) && floor((double)y) == (double)y) return (T)ipow((double)x, (double)y);
    if ((double)y == 0.5 && (double)x > 0.0 && isfinite((double)x)) return sqrt((T)x);   /* as numpy and numba */
    return pow((T)x, (T)y);
}

/* ------------------------------------------------------------ IRR (engine.functions.financial) */
#ifdef __CUDA_ARCH__
__constant__ double mc_irr_grid[] = {@IRR_GRID@};
#else
static const double mc_irr_grid[] = {@IRR_GRID@};
#endif
#define MC_IRR_N ((int)(sizeof(mc_irr_grid) / sizeof(double)))

struct IrrOut { double v[2]; MC_HD double operator[](int i) const { return v[i]; } };

MC_HD void mc_npv_fd(const double *c, int n, double r, double *f, double *df) {
    double d = 1.0 + r, v = 1.0 / d, w = v * v, pa = 1.0, pb = v;
    double fa = 0.0, fb = 0.0, da = 0.0, db = 0.0;
    int j = 0;
    for (; j + 1 < n; j += 2) {
        double ta = c[j] * pa, tb = c[j + 1] * pb;
        fa += ta; fb += tb; da -= j * ta; db -= (j + 1) * tb; pa *= w; pb *= w;
    }
    if (j < n) { double ta = c[j] * pa; fa += ta; da -= j * ta; }
    *f = fa + fb; *df = (da + db) * v;
}

MC_HD double mc_sgn(double x) { return x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : x); }

MC_HD IrrOut mc_irr_bracket(const double *c, int n, double guess) {
    double best = MC_INF, prev, first, nxt, jf = 0.0, tmp;
    int j = 0;
    mc_npv_fd(c, n, mc_irr_grid[0], &prev, &tmp);
    first = prev;
    for (int g = 0; g < MC_IRR_N - 1; ++g) {
        mc_npv_fd(c, n, mc_irr_grid[g + 1], &nxt, &tmp);
        if (mc_sgn(prev) * mc_sgn(nxt) < 0.0) {
            double dist = fabs((mc_irr_grid[g] + mc_irr_grid[g + 1]) / 2.0 - guess);
            if (dist < best) { best = dist; j = g; jf = prev; }
        }
        prev = nxt;
    }
    IrrOut out;
    if (!(best < MC_INF)) {
        out.v[0] = first == first ? (mc_irr_grid[0] + mc_irr_grid[1]) / 2.0 : MC_NAN;
        out.v[1] = 0.0;
        return out;
    }
    double lo = mc_irr_grid[j], hi = mc_irr_grid[j + 1], flo = jf, fm;
    for (int k = 0; k < 200; ++k) {
        double mid = (lo + hi) / 2.0;
        mc_npv_fd(c, n, mid, &fm, &tmp);
        if (mc_sgn(fm) == mc_sgn(flo)) { lo = mid; flo = fm; } else hi = mid;
    }
    out.v[0] = (lo + hi) / 2.0; out.v[1] = 1.0;
    return out;
}

MC_HD IrrOut irr(const double *c, int n, double guess) {
    bool pos = false, neg = false;
    for (int j = 0; j < n; ++j) { pos = pos || c[j] > 0.0; neg = neg || c[j] < 0.0; }
    IrrOut out;
    if (!(pos && neg)) { out.v[0] = guess; out.v[1] = 0.0; return out; }
    double x = guess, f, df;
    for (int it = 0; it < 100; ++it) {
        mc_npv_fd(c, n, x, &f, &df);
        double step = f / df, nw = x - step;
        bool bad = !isfinite(nw) || nw <= -1.0;
        if (fabs(step) <= 1e-7 * pymax(1.0, fabs(nw)) && !bad) {
            double y = nw, fy, dfy;
            for (int k = 0; k < @POLISH_STEPS@; ++k) {
                mc_npv_fd(c, n, y, &fy, &dfy);
                double step = dfy != 0.0 ? fy / dfy : 0.0, y2 = y - step;
                if (!(isfinite(y2) && y2 > -1.0)) break;
                y = y2;
                if (fabs(step) <= @POLISH_DONE@ * pymax(1.0, fabs(y2))) break;
            }
            out.v[0] = y; out.v[1] = 1.0;
            return out;
        }
        if (bad) break;
        x = nw;
    }
    return mc_irr_bracket(c, n, guess);
}

/* ------------------------------------------------------------ dates (numba/_rt_functions.py) */
#define MC_MAX_SERIAL 2958465.0
MC_HD void mc_civil(long long z, long long *y, long long *m, long long *d) {
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2 ? 1 : 0);
}

MC_HD void mc_ymd(double serial, long long shift, long long *y, long long *m, long long *d) {
    /* shift: 1462 for a workbook counting from 1904 (engine.functions._epoch), else 0 */
    double x = (isfinite(serial) ? serial : 0.0) + (double)shift;
    x = pymin(pymax(x, -1e6), MC_MAX_SERIAL + 1.0);
    long long s = (long long)floor(x);
    if (s == 60) { *y = 1900; *m = 2; *d = 29; return; }
    if (s == 0) { *y = 1900; *m = 1; *d = 0; return; }
    mc_civil(-25569 + (s >= 61 ? s : s + 1), y, m, d);
}

MC_HD double serial_bad(double s) {
    return (s < 0.0 || s >= MC_MAX_SERIAL + 1.0 || !isfinite(s)) ? 1.0 : 0.0;
}

MC_HD double serial_part(double s, int which, long long shift) {
    long long y, m, d;
    mc_ymd(s, shift, &y, &m, &d);
    return (double)(which == 0 ? y : (which == 1 ? m : d));
}

MC_HD bool mc_leap(long long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
MC_HD long long mc_leaps_upto(long long y) { return y / 4 - y / 100 + y / 400; }

MC_HD double yearfrac(double a, double c, double basis, long long shift) {
    double s1 = floor(pymin(a, c)), s2 = floor(pymax(a, c));
    long long y1, m1, d1, y2, m2, d2;
    mc_ymd(s1, shift, &y1, &m1, &d1);
    mc_ymd(s2, shift, &y2, &m2, &d2);
    double diff = s2 - s1;
    if (basis == 0.0) {
        long long end1 = m1 == 2 ? 28 + (mc_leap(y1) ? 1 : 0) : 31;
        long long end2 = m2 == 2 ? 28 + (mc_leap(y2) ? 1 : 0) : 31;
        bool fe1 = m1 == 2 && d1 == end1, fe2 = m2 == 2 && d2 == end2;
        long long a1 = (d1 == 31 || fe1) ? 30 : d1;
        long long a2 = (((d1 == 31 || d1 == 30) && d2 == 31) || (fe1 && fe2)) ? 30 : d2;
        return (double)((y2 - y1) * 360 + (m2 - m1) * 30 + (a2 - a1)) / 360.0;
    }
    if (basis == 1.0) {
        bool leap1 = mc_leap(y1) || y1 == 1900, leap2 = mc_leap(y2) || y2 == 1900;
        bool within = y1 == y2 || (y2 == y1 + 1 && (m1 > m2 || (m1 == m2 && d1 >= d2)));
        if (within) {
            bool feb29 = (leap1 && m1 <= 2) || (leap2 && (m2 > 2 || (m2 == 2 && d2 == 29)));
            return diff / (((y1 == y2 && leap1) || feb29) ? 366.0 : 365.0);
        }
        long long years = y2 - y1 + 1;
        long long leaps = mc_leaps_upto(y2) - mc_leaps_upto(y1 - 1);
        return diff / ((365.0 * (double)years + (double)leaps) / (double)years);
    }
    if (basis == 2.0) return diff / 360.0;
    if (basis == 3.0) return diff / 365.0;
    return (double)((y2 - y1) * 360 + (m2 - m1) * 30 + (pymin(d2, 30LL) - pymin(d1, 30LL))) / 360.0;
}

/* ---- working days (numba/_rt_functions.py workday, networkdays): days from 1899-12-30 */
MC_HD long long mc_day(double serial, long long shift) {
    double x = isfinite(serial) ? serial : 0.0;
    long long s = (long long)floor(pymin(pymax(x, -1e7), 1e7)) + shift;
    return s >= 61 ? s : s + 1;
}
MC_HD bool mc_on(double mask, long long day) {
    long long w = ((day + 5) % 7 + 7) % 7;
    return (((long long)mask >> w) & 1) == 1;
}
MC_HD bool mc_holiday(const double *h, long long nh, long long day) {
    for (long long i = 0; i < nh; ++i) if (h[i] == (double)day) return true;
    return false;
}
MC_HD long long mc_holidays_in(const double *h, long long nh, long long a, long long b) {
    long long c = 0;
    for (long long i = 0; i < nh; ++i) if ((double)a <= h[i] && h[i] <= (double)b) ++c;
    return c;
}
MC_HD long long mc_week_count(double mask) {
    long long c = 0;
    for (int i = 0; i < 7; ++i) c += ((long long)mask >> i) & 1;
    return c;
}
MC_HD double workday(double s, double k, double mask, const double *h, long long nh,
                     long long shift) {
    long long day = mc_day(s, shift);
    double kt = isfinite(k) ? trunc(k) : 0.0;
    long long kk = (long long)pymin(pymax(kt, -1e7), 1e7);
    long long step = kk > 0 ? 1 : -1;
    if (kk != 0) {
        while (!mc_on(mask, day) || mc_holiday(h, nh, day)) day -= step;
        long long left = kk > 0 ? kk : -kk, week = mc_week_count(mask);
        while (left > 0) {
            long long start = day;
            day += (left / week) * 7 * step;
            left = left % week;
            while (left > 0) { day += step; if (mc_on(mask, day)) --left; }
            left = step > 0 ? mc_holidays_in(h, nh, start + 1, day)
                            : mc_holidays_in(h, nh, day, start - 1);
        }
    }
    long long real = day >= 61 ? day : day - 1;
    return (double)(real - shift);
}
MC_HD double networkdays(double a, double b, double mask, const double *h, long long nh,
                         long long shift) {
    long long d1 = mc_day(a, shift), d2 = mc_day(b, shift);
    long long lo = d1 < d2 ? d1 : d2, hi = d1 < d2 ? d2 : d1;
    long long weeks = (hi - lo + 1) / 7;
    long long c = weeks * mc_week_count(mask);
    for (long long day = lo + weeks * 7; day <= hi; ++day) if (mc_on(mask, day)) ++c;
    c -= mc_holidays_in(h, nh, lo, hi);
    double fa = isfinite(a) ? floor(a) : 0.0, fb = isfinite(b) ? floor(b) : 0.0;
    return (double)(fb < fa ? -c : c);
}
/* ---- end of working days */

/* ------------------------------------------------------------ order statistics */
MC_HD void mc_sort(double *z, long long n) {
    for (long long i = 1; i < n; ++i) {
        double x = z[i];
        long long j = i - 1;
        while (j >= 0 && z[j] > x) { z[j + 1] = z[j]; --j; }
        z[j + 1] = x;
    }
}

MC_HD double mc_kth(const double *z, long long n, double j) {
    long long top = n - 1 > 0 ? n - 1 : 0;
    long long k = (long long)pymin(pymax(j, 0.0), (double)top);
    return n > 0 ? z[k] : 0.0;
}

MC_HD double mc_interpolate(const double *z, long long n, double h) {
    double top = (double)(n - 1 > 0 ? n - 1 : 0);
    h = pymin(pymax(h, 0.0), top);
    double lo = floor(h);
    double a = mc_kth(z, n, lo), b = mc_kth(z, n, pymin(lo + 1.0, top));
    return a + (h - lo) * (b - a);
}

MC_HD double pct_inc(double *z, long long n, double x) {
    mc_sort(z, n); return mc_interpolate(z, n, ((double)n - 1.0) * x);
}
MC_HD double pct_exc(double *z, long long n, double x) {
    mc_sort(z, n); return mc_interpolate(z, n, ((double)n + 1.0) * x - 1.0);
}
MC_HD double kth_large(double *z, long long n, double k) {
    mc_sort(z, n); return mc_kth(z, n, (double)n - k);
}
MC_HD double kth_small(double *z, long long n, double k) {
    mc_sort(z, n); return mc_kth(z, n, k - 1.0);
}

// ---- long ranges gathered into a scratch array (numba/_gather.py, twins of _rt_functions)
MC_HD double fill_kv(double *z, long long off, const double *kv, long long k0, long long n) {
    for (long long j = 0; j < n; ++j) z[off + j] = kv[k0 + j];
    return 0.0;
}
MC_HD double mc_fill_rows(double *z, long long off, const double *ur, long long r0,
                          long long step, long long n) {   /* numba fill_rows */
    for (long long j = 0; j < n; ++j) z[off + j] = ur[r0 + step * j];
    return 0.0;
}
MC_HD int mc_nf_rows(const double *ur, long long r0, long long n) {   /* numba nf_rows */
    for (long long j = 0; j < n; ++j) if (!isfinite(ur[r0 + j])) return 6;
    return 0;
}
MC_HD double arr_sum(const double *z, long long n, double start) {
    double acc = start;
    for (long long j = 0; j < n; ++j) acc = acc + z[j];
    return acc;
}
MC_HD double arr_dot(const double *a, const double *c, long long n) {
    double acc = 0.0;
    for (long long j = 0; j < n; ++j) acc = acc + a[j] * c[j];
    return acc;
}
MC_HD double arr_dot_at(const double *a, double ia, const double *c, double ic, double n) {
    const long long i = (long long)ia, k = (long long)ic, m = (long long)n;   /* numba arr_dot_at */
    double acc = 0.0;
    for (long long j = 0; j < m; ++j) acc = acc + a[i + j] * c[k + j];
    return acc;
}
MC_HD double arr_dot3_at(const double *a, double ia, const double *c, double ic,
                         const double *d, double id, double n) {   /* numba arr_dot3_at */
    const long long i = (long long)ia, k = (long long)ic, q = (long long)id, m = (long long)n;
    double acc = 0.0;
    for (long long j = 0; j < m; ++j) acc = acc + a[i + j] * c[k + j] * d[q + j];
    return acc;
}
MC_HD int arr_err_at(const double *z, double off, double n) {   /* numba arr_err_at */
    const long long i = (long long)off, m = (long long)n;
    for (long long j = 0; j < m; ++j) if (z[i + j] != 0.0) return (int)z[i + j];
    return 0;
}
MC_HD double arr_devsq(const double *z, long long n, double mean) {
    double acc = 0.0;
    for (long long j = 0; j < n; ++j) { double d = z[j] - mean; acc = acc + d * d; }
    return acc;
}
MC_HD double arr_min(const double *z, long long n) {
    double acc = z[0];
    for (long long j = 1; j < n; ++j) acc = pymin(acc, z[j]);
    return acc;
}
MC_HD double arr_max(const double *z, long long n) {
    double acc = z[0];
    for (long long j = 1; j < n; ++j) acc = pymax(acc, z[j]);
    return acc;
}
MC_HD double mc_pw_term(const double *z, long long j, double mode, double mean, double sd,
                        double k) {
    if (mode == 0.0) return z[j];
    double d = z[j] - mean;
    if (mode == 1.0) return d * d;
    return pow(d / sd, k);
}
MC_HD double mc_pw(const double *z, long long lo, long long n, double mode, double mean,
                   double sd, double k) {
    // numpy's pairwise sum without recursion (device code): halves on an explicit stack
    long long st_lo[64], st_n[64];
    double st_acc[64];
    int st_state[64];
    int top = 0;
    st_lo[0] = lo; st_n[0] = n; st_state[0] = 0; st_acc[0] = 0.0;
    double ret = 0.0;
    while (top >= 0) {
        long long l = st_lo[top], m = st_n[top];
        if (m <= 128) {
            double acc;
            if (m < 8) {
                acc = 0.0;
                for (long long j = l; j < l + m; ++j) acc = acc + mc_pw_term(z, j, mode, mean, sd, k);
            } else {
                double r[8];
                for (int j = 0; j < 8; ++j) r[j] = mc_pw_term(z, l + j, mode, mean, sd, k);
                long long i = 8;
                while (i < m - m % 8) {
                    for (int j = 0; j < 8; ++j) r[j] = r[j] + mc_pw_term(z, l + i + j, mode, mean, sd, k);
                    i += 8;
                }
                acc = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
                for (long long j = i; j < m; ++j) acc = acc + mc_pw_term(z, l + j, mode, mean, sd, k);
            }
            ret = acc;
            --top;
        } else if (st_state[top] == 0) {   // the first half next
            long long n2 = m / 2; n2 -= n2 % 8;
            st_state[top] = 1;
            ++top; st_lo[top] = l; st_n[top] = n2; st_state[top] = 0;
            continue;
        } else if (st_state[top] == 1) {   // the first half done: the second next
            long long n2 = m / 2; n2 -= n2 % 8;
            st_acc[top] = ret; st_state[top] = 2;
            ++top; st_lo[top] = l + n2; st_n[top] = m - n2; st_state[top] = 0;
            continue;
        } else {
            ret = st_acc[top] + ret;
            --top;
        }
    }
    return ret;
}
MC_HD double arr_pairwise(const double *z, long long n, double mode, double mean, double sd,
                          double k) {
    return mc_pw(z, 0, n, mode, mean, sd, k);
}

MC_HD double pct_rank(double *z, long long n, double x, double exc) {
    mc_sort(z, n);
    long long below = 0, upto = 0;
    for (long long i = 0; i < n; ++i) { below += z[i] < x; upto += z[i] <= x; }
    double lo = mc_kth(z, n, (double)upto - 1.0), hi = mc_kth(z, n, (double)upto);
    double pos = upto > below ? (double)below : (double)upto - 1.0 + (x - lo) / (hi - lo);
    double r = exc != 0.0 ? (pos + 1.0) / ((double)n + 1.0)
                          : (n > 1 ? pos / ((double)n - 1.0) : 1.0);
    if (r != r) return 0.0;
    if (!isfinite(r)) return r > 0 ? 1.7976931348623157e308 : -1.7976931348623157e308;
    return r;
}

MC_HD double rank_of(const double *z, long long n, double x, double order, double avg) {
    double above = 0.0, same = 0.0;
    for (long long i = 0; i < n; ++i) {
        double c = z[i];
        if (order != 0.0 ? c < x : c > x) above += 1.0;
        if (c == x) same += 1.0;
    }
    double r = above + 1.0;
    if (avg != 0.0) r = r + pymax(same - 1.0, 0.0) / 2.0;
    return same > 0.0 ? r : -r;
}

/* RANK over a range's shared copy sorted once a trial (numba/_rt_functions.py rank_sort) */
MC_HD double rank_sort(double *z, long long n) { mc_sort(z, n); return 0.0; }
MC_HD long long mc_count_below(const double *z, long long n, double x, bool upto) {
    long long lo = 0, hi = n;
    while (lo < hi) {
        long long mid = (lo + hi) / 2;
        double c = z[mid];
        if (c < x || (upto && c == x)) lo = mid + 1; else hi = mid;
    }
    return lo;
}
MC_HD double rank_sorted(const double *z, long long n, double x, double order, double avg) {
    long long below = mc_count_below(z, n, x, false), upto = mc_count_below(z, n, x, true);
    double same = (double)(upto - below);
    double above = order != 0.0 ? (double)below : (double)(n - upto);
    double r = above + 1.0;
    if (avg != 0.0) r = r + pymax(same - 1.0, 0.0) / 2.0;
    return same > 0.0 ? r : -r;
}

/* ------------------------------------------------------------ lookups (functions._search) */
MC_HD double approx_pos(const double *z, long long m, double key) {
    long long low = -1, high = m;
    while (high - low >= 2) {
        long long mid = low + (high - low) / 2;
        double ev = z[mid];
        if (key == ev) {
            long long j = mid;
            while (j + 1 < m && z[j + 1] == z[j]) ++j;
            return (double)(j < high - 1 ? j : high - 1);
        }
        if (key < ev) high = mid; else low = mid;
    }
    return (double)low;
}

MC_HD double desc_pos(const double *z, long long m, double key) {
    long long first_lt = m, first_eq = m;
    for (long long i = 0; i < m; ++i) {
        if (z[i] < key && first_lt == m) first_lt = i;
        if (z[i] == key && first_eq == m) first_eq = i;
    }
    return (double)(first_lt - 1 < first_eq ? first_lt - 1 : first_eq);
}

/* ---- typed lookups (numba/_rt_functions.py lk_*: t = _search's type codes, kt the key's) */
MC_HD double lk_approx(const double *z, const double *t, long long m, double key, double kt) {
    long long low = -1, high = m;
    while (high - low >= 2) {
        long long mid = low + (high - low) / 2, pos = mid;
        bool mism = t[mid] != kt, past = false;
        if (mism) {
            long long nm = mid + 1;
            while (nm < m && t[nm] != kt) ++nm;
            past = nm >= high;
            pos = past ? mid : nm;
        }
        double ev = z[pos < m - 1 ? pos : m - 1];
        bool less = key < ev, eq = key == ev && !past;
        bool to_mid = past || (mism && less && pos == high - 1);
        if (eq && !to_mid) {
            long long j = pos;
            while (j + 1 < m && t[j + 1] == t[j] && z[j + 1] == z[j]) ++j;
            return (double)(j < high - 1 ? j : high - 1);
        }
        if (to_mid) high = mid; else if (less) high = pos; else low = pos;
    }
    return (double)low;
}

MC_HD double lk_desc(const double *z, const double *t, long long m, double key, double kt) {
    long long first_lt = m, first_eq = m;
    for (long long i = 0; i < m; ++i) {
        if (t[i] == kt && z[i] < key && first_lt == m) first_lt = i;
        if (t[i] == kt && z[i] == key && first_eq == m) first_eq = i;
    }
    long long stop = first_lt - 1 < first_eq ? first_lt - 1 : first_eq;
    for (long long i = stop < m - 1 ? stop : m - 1; i >= 0; --i)
        if (t[i] == kt) return (double)i;
    return -1.0;
}

MC_HD double approx_pos_t(const double *z, const double *t, long long m, double key) {
    return lk_approx(z, t, m, key, 0.0);   /* a number key: the non-numbers stepped over */
}

MC_HD double desc_pos_t(const double *z, const double *t, long long m, double key) {
    return lk_desc(z, t, m, key, 0.0);
}

MC_HD double lk_exact(const double *z, const double *t, long long m, double key, double kt,
                      double last) {
    if (kt > 2.0) return -1.0;
    for (long long i = 0; i < m; ++i) {
        long long j = last != 0.0 ? m - 1 - i : i;
        if (t[j] == kt && z[j] == key) return (double)j;
    }
    return -1.0;
}

MC_HD double mc_lk_cmp(double ta, double za, double tb, double zb) {
    if (ta != tb) return ta < tb ? -1.0 : 1.0;
    if (za == zb) return 0.0;
    return za < zb ? -1.0 : 1.0;
}

MC_HD double lk_order(const double *z, const double *t, long long m, double key, double kt,
                      double mode, double search) {
    if (search == 2.0 || search == -2.0) {
        bool desc = search == -2.0;
        long long lo = 0, hi = m - 1;
        while (lo < m && t[lo] > 2.0) ++lo;
        while (hi >= 0 && t[hi] > 2.0) --hi;
        if (lo > hi) { lo = 0; hi = -1; }
        double res = -1.0;
        while (lo <= hi) {
            long long mid = (lo + hi) / 2;
            double c = t[mid] > 2.0 ? (desc ? 1.0 : -1.0)
                                    : (kt > 2.0 ? -1.0 : mc_lk_cmp(t[mid], z[mid], kt, key));
            if (c == 0.0) return (double)mid;
            bool smaller = c < 0.0;
            if (mode == -1.0 && smaller) res = (double)mid;
            else if (mode == 1.0 && !smaller) res = (double)mid;
            if (smaller != desc) lo = mid + 1; else hi = mid - 1;
        }
        return res;
    }
    bool last = search == -1.0;
    long long best = -1;
    for (long long i = 0; i < m; ++i) {
        long long j = last ? m - 1 - i : i;
        if (t[j] > 2.0) continue;
        double c = kt > 2.0 ? -1.0 : mc_lk_cmp(t[j], z[j], kt, key);
        if (c == 0.0) return (double)j;
        if ((mode == -1.0 && c < 0.0) || (mode == 1.0 && c > 0.0)) {
            if (best < 0) best = j;
            else {
                double d = mc_lk_cmp(t[j], z[j], t[best], z[best]);
                if ((mode == -1.0 && d > 0.0) || (mode == 1.0 && d < 0.0)) best = j;
            }
        }
    }
    return (double)best;
}
/* ---- end of typed lookups */

/* ------------------------------------------------------------ paired data (regression) */
__host__ __device__ double mc_pairwise(const double *z, long long lo, long long n) {
    /* numpy's sum of a row: pairwise summation (numba/_rt_functions._pairwise) */
    if (n < 8) {
        double res = -0.0;
        for (long long i = lo; i < lo + n; ++i) res += z[i];
        return res;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; ++j) r[j] = z[lo + j];
        long long i = 8;
        for (; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; ++j) r[j] += z[lo + i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; ++i) res += z[lo + i];
        return res;
    }
    long long n2 = n / 2;
    n2 -= n2 % 8;
    return mc_pairwise(z, lo, n2) + mc_pairwise(z, lo + n2, n - n2);
}

MC_HD void mc_moments(double *y, double *x, double *m, long long n, double *o) {
    double cnt = 0.0;
    for (long long i = 0; i < n; ++i) {
        cnt += m[i];
        x[n + i] = m[i] != 0.0 ? x[i] : 0.0;
        y[n + i] = m[i] != 0.0 ? y[i] : 0.0;
    }
    double mx = mc_pairwise(x, n, n) / cnt, my = mc_pairwise(y, n, n) / cnt;
    for (long long i = 0; i < n; ++i) {
        double dx = m[i] != 0.0 ? x[i] - mx : 0.0, dy = m[i] != 0.0 ? y[i] - my : 0.0;
        x[n + i] = dx * dx; y[n + i] = dy * dy; m[n + i] = dx * dy;
    }
    o[0] = cnt; o[1] = mx; o[2] = my;
    o[3] = mc_pairwise(x, n, n); o[4] = mc_pairwise(y, n, n); o[5] = mc_pairwise(m, n, n);
}

MC_HD double pair_stat(double *y, double *x, double *m, long long n, int which, double t) {
    double o[6];
    mc_moments(y, x, m, n, o);
    double cnt = o[0], mx = o[1], my = o[2], sxx = o[3], syy = o[4], sxy = o[5];
    if (which <= 1) { double r = sxy / sqrt(sxx * syy); return which == 0 ? r : r * r; }
    if (which == 2) return sxy / sxx;
    if (which == 3) return my - sxy / sxx * mx;
    if (which == 4) return sqrt(pymax(syy - sxy * sxy / sxx, 0.0) / (cnt - 2.0));
    if (which == 5) return sxy / cnt;
    if (which == 6) return sxy / (cnt - 1.0);
    double b = sxy / sxx;
    return my - b * mx + b * t;
}

MC_HD double pair_bad(double *y, double *x, double *m, long long n, int which) {
    double o[6];
    mc_moments(y, x, m, n, o);
    double cnt = o[0], sxx = o[3], syy = o[4];
    bool bad;
    if (which <= 1) bad = cnt < 2.0 || sxx == 0.0 || syy == 0.0;
    else if (which == 4) bad = cnt < 3.0 || sxx == 0.0;
    else if (which == 5) bad = cnt < 1.0;
    else if (which == 6) bad = cnt < 2.0;
    else bad = cnt < 1.0 || sxx == 0.0;
    return bad ? 1.0 : 0.0;
}

/* ------------------------------------------------------------ annuities, depreciation */
/* financial._growth (helper "agree"): a whole n by double-double powering of 1 + r held
   exactly (financial.growth_pair; ipow's helpers, --fmad=false), the same double as numpy */
MC_HD void mc_growth(double r, double n, double *g, double *ann) {
    double base = 1.0 + r, gm1;
    if (floor(n) == n && fabs(n) < @WHOLE_LIMIT@ && isfinite(base) && base != 0.0) {
        double t = base - 1.0, lo = (1.0 - (base - t)) + (r - t);
        int e0;
        double bh = frexp(base, &e0), bl = ldexp(lo, -e0), rh = 1.0, rl = 0.0;
        long long be = e0, re = 0, k = (long long)fabs(n);
        while (k) {
            if (k & 1) { mc_dd_mul(rh, rl, bh, bl, rh, rl); re = re + be; mc_dd_renorm(rh, rl, re); re = mc_eclip(re); }
            k >>= 1;
            if (k) { mc_dd_mul(bh, bl, bh, bl, bh, bl); be = mc_eclip(2 * be); mc_dd_renorm(bh, bl, be); }
        }
        if (n < 0.0) {
            double q = 1.0 / rh, p, e;
            mc_two_prod(q, rh, p, e);
            double c = (((1.0 - p) - e) - q * rl) * q;
            rh = q + c; rl = c - (rh - q);
            re = -re;
        }
        *g = ldexp(rh + rl, (int)re);
        gm1 = (ldexp(rh, (int)re) - 1.0) + ldexp(rl, (int)re);
    } else {
        *g = r > -1.0 && isfinite(n) ? exp(n * log1p(r)) : pow(base, n);
        gm1 = *g - 1.0;
    }
    *ann = r == 0.0 ? n : gm1 / (r == 0.0 ? 1.0 : r);
}

MC_HD double pmt(double r, double n, double v, double f, double t) {
    double g, ann; mc_growth(r, n, &g, &ann);
    return -(f + v * g) / ((1.0 + r * (t != 0.0 ? 1.0 : 0.0)) * ann);
}

MC_HD double fv(double r, double n, double p, double v, double t) {
    double g, ann; mc_growth(r, n, &g, &ann);
    return -(v * g + p * (1.0 + r * (t != 0.0 ? 1.0 : 0.0)) * ann);
}

MC_HD double pv(double r, double n, double p, double f, double t) {
    double g, ann; mc_growth(r, n, &g, &ann);
    return -(f + p * (1.0 + r * (t != 0.0 ? 1.0 : 0.0)) * ann) / g;
}

MC_HD double db(double c, double s, double life, double per, double month) {
    double rt = 0.0;
    if (c != 0.0) rt = rint((1.0 - pow(s / c, 1.0 / life)) * 1000.0) / 1000.0;
    double first = c * rt * month / 12.0, total = first, out = per == 1.0 ? first : 0.0;
    long long last = (long long)per;
    for (long long k = 2; k <= last; ++k) {
        double dep = (double)k > life ? (c - total) * rt * (12.0 - month) / 12.0 : (c - total) * rt;
        if (per == (double)k) out = dep;
        total = total + dep;
    }
    return out;
}

MC_HD double vdb(double c, double s, double life, double start, double end, double factor,
                 double no_switch) {
    double rate = pymin(factor / life, 1.0), frac = start - floor(start);
    double value = c, sl = 0.0, total = 0.0, a = 0.0;
    bool switched = false;
    long long steps = (long long)ceil(pymax(end, 0.0)) + 2;
    for (long long k = 0; k < steps; ++k) {
        double step = (k == 0 && frac > 0.0) ? frac : 1.0, b = a + step;
        bool on = a < end;
        double left = pymax(value - s, 0.0), dec = pymin(value * rate, left);
        double straight = left / (life - a);
        if (on && !switched && no_switch == 0.0 && straight > dec) { sl = straight; switched = true; }
        double dep = (switched ? sl : dec) * step;
        double part = pymax(pymin(b, end) - pymax(a, start), 0.0) / step;
        if (on) { total = total + pymin(dep * part, left); value = value - pymin(dep, left); }
        a = b;
    }
    return total;
}
/* ------------------------------------------------------------ least-squares fits
   (engineer D, session 23) Twins of numba/_rt_fits.py: LINEST/LOGEST's table and TREND/GROWTH's
   points of one trial, written into ``out`` (values, then error codes), read by every cell of
   the formula (fit_at).  buf: the header (MC_FIT_H numbers: m, k, const, stats or the number
   of points (-1: at x), log, #VALUE! of y and x, of the points), y (m), x (m rows of k), the
   points (k each), then room for the work arrays (_fits.fit_work: (m + 3)(k + 2) + (k + 1)^2
   + 2m).  numpy solves with LAPACK's SVD (lstsq) and inverts A'A by pinv; here one Householder
   QR of the design matrix, column by column (an x column whose residual after the columns
   kept before it is <= 1e-10 of its norm is left out, slope 0, as linest._fit does), the
   coefficients from R, diag((A'A)^-1) from R^-1: the same numbers up to rounding (about the
   condition number of A times 1e-16 apart; sums and dot products in plain order, numpy's
   pairwise sum where numpy sums). */
#define MC_FIT_H 7

MC_HD double mc_fit_norm(const double *a, long long n) {
    double s = 0.0;
    for (long long i = 0; i < n; ++i) s += a[i] * a[i];
    return sqrt(s);
}

/* Householder reflection c (vector v below the diagonal of column c of q, v[c] = 1) applied
   to w (length m) */
MC_HD void mc_fit_reflect(const double *q, const double *tau, long long m, long long c, double *w) {
    const double *v = q + c * m;
    double s = w[c];
    for (long long i = c + 1; i < m; ++i) s += v[i] * w[i];
    s *= tau[c];
    w[c] -= s;
    for (long long i = c + 1; i < m; ++i) w[i] -= s * v[i];
}

struct McFit {
    long long m, k, p; bool cst;
    const double *y, *x;
    double *q, *tau, *rd, *qty, *coef, *use, *rinv, *yl;
};

/* linest._fit: the columns kept (use), their QR (q, tau, rd) and coefficients (coef, p of
   them, the intercept first) */
MC_HD void mc_fit_solve(McFit &f) {
    long long m = f.m, p = 0;
    for (long long j = -1; j < f.k; ++j) {
        if (j < 0 && !f.cst) continue;
        double *col = f.q + p * m;
        for (long long i = 0; i < m; ++i) col[i] = j < 0 ? 1.0 : f.x[i * f.k + j];
        double whole = mc_fit_norm(col, m);
        for (long long c = 0; c < p; ++c) mc_fit_reflect(f.q, f.tau, m, c, col);
        if (j >= 0) {
            double rest = p < m ? mc_fit_norm(col + p, m - p) : 0.0;
            f.use[j] = rest > 1e-10 * pymax(whole, 1e-300) ? 1.0 : 0.0;
            if (f.use[j] == 0.0) continue;
        }
        double alpha = col[p], nrm = mc_fit_norm(col + p, m - p);
        double beta = alpha >= 0.0 ? -nrm : nrm;
        if (nrm == 0.0) { f.tau[p] = 0.0; f.rd[p] = alpha; }
        else {
            f.tau[p] = (beta - alpha) / beta;
            double scale = 1.0 / (alpha - beta);
            for (long long i = p + 1; i < m; ++i) col[i] *= scale;
            f.rd[p] = beta;
        }
        ++p;
    }
    f.p = p;
    for (long long i = 0; i < m; ++i) f.qty[i] = f.yl[i];
    for (long long c = 0; c < p; ++c) mc_fit_reflect(f.q, f.tau, m, c, f.qty);
    for (long long i = p - 1; i >= 0; --i) {   /* R coef = Q'y */
        double s = f.qty[i];
        for (long long j = i + 1; j < p; ++j) s -= f.q[j * m + i] * f.coef[j];
        f.coef[i] = s / f.rd[i];
    }
}

/* the fitted value at point pt (k values): its slopes' sum, then the intercept */
MC_HD double mc_fit_at(const McFit &f, const double *pt) {
    double s = 0.0;
    long long c = f.cst ? 1 : 0;
    for (long long j = 0; j < f.k; ++j)
        if (f.use[j] != 0.0) s += pt[j] * f.coef[c++];
    return s + (f.cst ? f.coef[0] : 0.0);
}

MC_HD void mc_fit_put(double *out, long long n, long long j, double v) {
    bool ok = isfinite(v);
    out[j] = ok ? v : 0.0;
    out[n + j] = ok ? 0.0 : 6.0;
}

MC_HD void mc_fit_fail(double *out, long long n, double code) {
    for (long long j = 0; j < n; ++j) { out[j] = 0.0; out[n + j] = code; }
}

/* the header, y (ln y for LOGEST/GROWTH) and the work arrays; false after writing the error
   every element gets into out */
MC_HD bool mc_fit_prepare(double *buf, double *out, long long n, long long npts_k, McFit &f) {
    long long m = (long long)buf[0], k = (long long)buf[1];
    f.m = m; f.k = k; f.cst = buf[2] != 0.0;
    f.y = buf + MC_FIT_H; f.x = f.y + m;
    double *w = buf + MC_FIT_H + m + m * k + npts_k;
    f.q = w; w += m * (k + 1);
    f.tau = w; w += k + 1;
    f.rd = w; w += k + 1;
    f.coef = w; w += k + 1;
    f.use = w; w += k + 1;
    f.qty = w; w += m;
    f.yl = w; w += m;
    f.rinv = w;
    double fail = buf[5];
    bool lg = buf[4] != 0.0;
    for (long long i = 0; i < m; ++i) {
        if (lg && f.y[i] <= 0.0 && fail == 0.0) fail = 6.0;
        f.yl[i] = f.y[i];
    }
    if (fail == 0.0 && lg)
        for (long long i = 0; i < m; ++i) f.yl[i] = log(f.y[i]);
    if (fail != 0.0) { mc_fit_fail(out, n, fail); return false; }
    return true;
}

MC_HD double mc_fit_ss_mean(double *d, const double *y, long long m) {
    /* ((y - y.mean()) ** 2).sum() with numpy's pairwise sums */
    double mean = mc_pairwise(y, 0, m) / (double)m;
    for (long long i = 0; i < m; ++i) d[i] = (y[i] - mean) * (y[i] - mean);
    return mc_pairwise(d, 0, m);
}

MC_HD double fit_table(double *buf, double *out) {
    McFit f;
    long long k = (long long)buf[1];
    bool stats = buf[3] != 0.0, lg = buf[4] != 0.0;
    long long rows = stats ? 5 : 1, n = rows * (k + 1), w = k + 1;
    if (!mc_fit_prepare(buf, out, n, 0, f)) return 0.0;
    mc_fit_solve(f);
    long long m = f.m, p = f.p, c = f.cst ? 1 : 0;
    for (long long j = 0; j < k; ++j) {   /* slopes, last x first, then the intercept */
        double s = f.use[j] != 0.0 ? f.coef[c++] : 0.0;
        mc_fit_put(out, n, k - 1 - j, lg ? exp(s) : s);
    }
    double b = f.cst ? f.coef[0] : 0.0;
    mc_fit_put(out, n, k, lg ? exp(b) : b);
    if (!stats) return 0.0;
    for (long long r = 2; r < 5; ++r)
        for (long long j = 2; j < w; ++j) { out[r * w + j] = 0.0; out[n + r * w + j] = 7.0; }
    double *d = f.qty;   /* Q'y is no longer needed: the residuals */
    long long used = 0;
    for (long long j = 0; j < k; ++j) used += f.use[j] != 0.0 ? 1 : 0;
    if (f.cst && used == 0 && k > 0) {
        double ss = mc_fit_ss_mean(d, f.yl, m);
        for (long long j = 0; j < w; ++j) mc_fit_put(out, n, w + j, 0.0);
        mc_fit_put(out, n, 2 * w, 1.0); mc_fit_put(out, n, 2 * w + 1, 0.0);
        mc_fit_put(out, n, 3 * w, MC_INF); mc_fit_put(out, n, 3 * w + 1, (double)(m - k - 1));
        mc_fit_put(out, n, 4 * w, ss); mc_fit_put(out, n, 4 * w + 1, 0.0);
        return 0.0;
    }
    double ss_resid = 0.0;
    for (long long i = 0; i < m; ++i) {
        const double *row = f.x + i * k;
        double fit = 0.0;
        long long cc = 0;
        if (f.cst) fit = f.coef[cc++];
        for (long long j = 0; j < k; ++j)
            if (f.use[j] != 0.0) fit += row[j] * f.coef[cc++];
        d[i] = f.yl[i] - fit;
        ss_resid += d[i] * d[i];
    }
    double ss_total;
    if (f.cst) ss_total = mc_fit_ss_mean(d, f.yl, m);
    else { ss_total = 0.0; for (long long i = 0; i < m; ++i) ss_total += f.yl[i] * f.yl[i]; }
    if (ss_resid <= 1e-20 * pymax(ss_total, 1.0)) ss_resid = 0.0;
    double ss_reg = ss_total - ss_resid;
    long long df = m - p;
    double var = df > 0 ? ss_resid / (double)df : MC_INF;
    /* R^-1 (p x p, upper), column by column; diag((A'A)^-1)_j = sum over l of R^-1[j][l]^2 */
    double *ri = f.rinv;
    for (long long l = 0; l < p; ++l)
        for (long long i = l; i >= 0; --i) {
            double s = i == l ? 1.0 : 0.0;
            for (long long j = i + 1; j <= l; ++j) s -= f.q[j * m + i] * ri[j * p + l];
            ri[i * p + l] = s / f.rd[i];
        }
    c = f.cst ? 1 : 0;
    for (long long j = 0; j < k; ++j) {
        double se = 0.0;
        if (f.use[j] != 0.0) {
            double dg = 0.0;
            for (long long l = c; l < p; ++l) dg += ri[c * p + l] * ri[c * p + l];
            se = sqrt(fabs(dg * var));
            ++c;
        }
        mc_fit_put(out, n, w + k - 1 - j, se);
    }
    if (f.cst) {
        double dg = 0.0;
        for (long long l = 0; l < p; ++l) dg += ri[l] * ri[l];
        mc_fit_put(out, n, w + k, sqrt(fabs(dg * var)));
    } else { out[w + k] = 0.0; out[n + w + k] = 7.0; }
    long long kk = f.cst ? p - 1 : p;
    double fv = (df > 0 && kk > 0 && ss_resid > 0.0) ? (ss_reg / (double)kk) / var : MC_INF;
    mc_fit_put(out, n, 2 * w, ss_total != 0.0 ? ss_reg / ss_total : 1.0);
    mc_fit_put(out, n, 2 * w + 1, sqrt(var));
    mc_fit_put(out, n, 3 * w, fv); mc_fit_put(out, n, 3 * w + 1, (double)df);
    mc_fit_put(out, n, 4 * w, ss_reg); mc_fit_put(out, n, 4 * w + 1, ss_resid);
    return 0.0;
}

MC_HD double fit_points(double *buf, double *out) {
    McFit f;
    long long m = (long long)buf[0], k = (long long)buf[1], npts = (long long)buf[3];
    bool at_x = npts < 0, lg = buf[4] != 0.0;
    if (at_x) npts = m;
    if (!mc_fit_prepare(buf, out, npts, at_x ? 0 : npts * k, f)) return 0.0;
    if (buf[6] != 0.0) { mc_fit_fail(out, npts, buf[6]); return 0.0; }
    mc_fit_solve(f);
    const double *pts = at_x ? f.x : f.x + m * k;
    for (long long j = 0; j < npts; ++j) {
        double v = mc_fit_at(f, pts + j * k);
        mc_fit_put(out, npts, j, lg ? exp(v) : v);
    }
    return 0.0;
}

template <class T> MC_HD double *fit_at(double *z, T after) { (void)after; return z; }
""".replace("@IRR_GRID@", irr_grid_source()).replace("@POW10@", _c_list(POW10)).replace(
    "@POLISH_STEPS@", str(POLISH_STEPS)).replace("@POLISH_DONE@", repr(POLISH_DONE)).replace(
    "@E_CLIP@", str(E_CLIP)).replace("@WHOLE_LIMIT@", repr(WHOLE_LIMIT))
