"""CUDA twins of the numba kernel's distribution helpers (:mod:`..numba._rt_dist`).  Private
to the cupy backend: :data:`DIST_RUNTIME` is C++ source that the generated kernel includes
after :data:`._rt.RUNTIME` (it uses ``ndtr``, ``ndtri``, ``mc_cephes_erf``/``erfc`` from there)
when a line calls one of :data:`DIST_NAMES`.

The numba helpers call scipy's compiled special functions; the GPU has none, so:

* ERF/ERFC, GAUSS, CONFIDENCE.NORM reuse the runtime's Cephes erf/erfc/ndtr/ndtri, which are
  scipy's bit for bit; PHI, EXPON.DIST, WEIBULL.DIST, FISHER are the same libm operations;
* the regularized incomplete gamma functions P(a, x) and Q(a, x) (GAMMA.DIST, CHISQ.DIST(.RT),
  POISSON.DIST) are written here: the factor x^a e^-x / Gamma(a) through Stirling's series
  and log1p(t) - t for a >= 10 (no cancellation of large logarithms), then the power series
  of P below x = a + 1 and the continued fraction of Q (modified Lentz) above; their inverses
  (GAMMA.INV, CHISQ.INV(.RT)) by Newton's method on the logarithm of the tail below 1/2, kept
  in a bracket (bisection where a step leaves it), from a Wilson-Hilferty start;
* the regularized incomplete beta function I_x(a, b) (BETA.DIST, T.DIST via stdtr, F.DIST via
  fdtr/fdtrc, BINOM.DIST via bdtr with Cephes' special cases, NEGBINOM.DIST) is the
  runtime's continued fraction (``mc_betacf``, the PERT inverse's) times x^a y^b / B(a, b),
  taken around the mean through Stirling's series when both shapes are >= 10; its inverse
  (BETA.INV, T.INV via stdtrit, F.INV via fdtri, CONFIDENCE.T) by Newton's method on the
  logarithm of the lower tail in z or in 1 - z, whichever is small, so that t and F come out
  to full precision; BINOM.INV bisects bdtr as the numba helper does;
* HYPGEOM.DIST's CDF is the numba helper's sum of masses relative to the mode, line for line;
* GAMMALN, GAMMA and the log-binomials of the masses are the platform's lgamma and tgamma
  (scipy: Cephes' lgam and Gamma; a few units in the last place apart).

These are not scipy's algorithms (scipy's betainc/betaincinv are boost's), so they equal
numpy to about 1e-13 relative over the parameters models use, not bit for bit;
tests/test_cupy_distributions.py checks them against scipy on the host build.  Where they
differ by more, in far tails, scipy is the one off (checked with mpmath: its gammaincc and
bdtr beyond a = 700 or n = 1,000 in tails below 1e-20, stdtrit within 0.01 of 1/2, up to
2e-10; betaincinv below p = 1e-16, NaN or 2**-56).  The loops are ``__noinline__`` on the
device (called, not copied into every call site: nvcc 57 -> 6 s on the test's kernel).
"""

from __future__ import annotations

__all__ = ["DIST_NAMES", "DIST_RUNTIME"]

# the numba/_rt_dist.py helpers with a twin here
DIST_NAMES: tuple[str, ...] = (
    "d_gamma_dist", "d_gamma_inv", "d_gammaln", "d_gamma", "d_chisq_dist", "d_chisq_rt",
    "d_chisq_inv", "d_poisson", "d_hypgeom_pmf", "d_hypgeom", "d_expon", "d_weibull", "d_conf_norm",
    "d_phi", "d_gauss", "d_erf", "d_erfc",
    "d_beta_dist", "d_beta_inv", "d_t_dist", "d_t_tail", "d_t_inv", "d_f_dist", "d_f_rt",
    "d_f_inv", "d_binom_dist", "d_binom_inv", "d_binom_range", "d_negbinom", "d_conf_t",
)

DIST_RUNTIME = r"""
/* ------------------------------------------------------------ distributions (numba/_rt_dist.py) */
#ifdef __CUDACC__   /* the iterative functions are called, not inlined at every call site */
#define MC_HDN __host__ __device__ __noinline__
#else
#define MC_HDN inline
#endif
MC_HD double mc_d_safe(double x, bool bad, double fill) { return bad ? fill : x; }
MC_HD double mc_xlogy(double x, double y) { return (x == 0.0 && y == y) ? 0.0 : x * log(y); }

MC_HD double mc_log1pmx(double t) {          /* log(1 + t) - t without cancellation */
    if (fabs(t) >= 0.5) return log1p(t) - t;
    double tk = t * t, s = 0.0;               /* -t^2/2 + t^3/3 - t^4/4 ... */
    for (int k = 2; k < 200; ++k) {
        double term = tk / k;
        s += (k & 1) ? term : -term;
        if (fabs(term) <= 1e-17 * fabs(s)) break;
        tk *= t;
    }
    return s;
}

MC_HD double mc_stirling(double a) {   /* lgamma(a) - ((a - 1/2) log a - a + log(2 pi)/2), a >= 10 */
    double r = 1.0 / a, r2 = r * r;
    return r * (1.0 / 12.0 + r2 * (-1.0 / 360.0 + r2 * (1.0 / 1260.0 + r2 * (-1.0 / 1680.0
           + r2 * (1.0 / 1188.0 + r2 * (-691.0 / 360360.0 + r2 * (1.0 / 156.0
           + r2 * (-3617.0 / 122400.0))))))));
}

MC_HD double mc_gamma_factor(double a, double x) {   /* x^a e^-x / Gamma(a) */
    if (a < 10.0) return exp(a * log(x) - x - lgamma(a));
    double mu = mc_stirling(a);
    double t = (x - a) / a;   /* a (log(x / a) + 1 - x / a) = a (log1p(t) - t) */
    double e = t < -0.5 ? a * log(x / a) + (a - x) : a * mc_log1pmx(t);
    return exp(e - mu) * sqrt(a / 6.283185307179586);
}

MC_HD double mc_gamma_series(double a, double x) {   /* sum x^n / (a (a+1) ... (a+n)) */
    double term = 1.0 / a, s = term;
    for (int n = 1; n < 100000; ++n) {
        term *= x / (a + n);
        s += term;
        if (term <= 1e-17 * s) break;
    }
    return s;
}

MC_HD double mc_gamma_cf(double a, double x) {       /* Q(a, x) / factor: Lentz */
    const double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
    for (int i = 1; i < 100000; ++i) {
        double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if (fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) <= 1e-16) break;
    }
    return h;
}

MC_HDN double mc_igam(double a, double x) {           /* scipy.special.gammainc */
    if (x != x || a != a || a <= 0.0 || x < 0.0) return MC_NAN;
    if (x == 0.0) return 0.0;
    if (x == MC_INF) return 1.0;
    if (x < a + 1.0) return mc_gamma_factor(a, x) * mc_gamma_series(a, x);
    return 1.0 - mc_gamma_factor(a, x) * mc_gamma_cf(a, x);
}

MC_HDN double mc_igamc(double a, double x) {          /* scipy.special.gammaincc */
    if (x != x || a != a || a <= 0.0 || x < 0.0) return MC_NAN;
    if (x == 0.0) return 1.0;
    if (x == MC_INF) return 0.0;
    if (x < a + 1.0) return 1.0 - mc_gamma_factor(a, x) * mc_gamma_series(a, x);
    return mc_gamma_factor(a, x) * mc_gamma_cf(a, x);
}

/* x with P(a, x) = p (upper false) or Q(a, x) = p (upper true), p in (0, 1) */
MC_HDN double mc_igam_solve(double a, double p, bool upper) {
    double pl = upper ? 1.0 - p : p;                 /* the lower tail, for the start */
    double z = upper ? -ndtri(p) : ndtri(p), c = 1.0 / (9.0 * a);
    double w = 1.0 - c + z * sqrt(c);
    double x = a * w * w * w;                        /* Wilson-Hilferty */
    if (!(x > 0.0) || (a < 1.0 && pl < 0.5)) {      /* P ~ x^a / Gamma(a + 1) near 0 */
        double s = exp((log(pl) + lgamma(a + 1.0)) / a);
        if (s > 0.0 && (!(x > 0.0) || s < x)) x = s;
    }
    if (!(x > 0.0)) x = 1e-300;
    double lo = 0.0, hi = MC_INF, lt = log(p);
    for (int it = 0; it < 400; ++it) {
        /* Newton on the logarithm of the tail solved (increasing in x): converges in the far
           tails too, where the tail and the density are alike */
        double tail = upper ? mc_igamc(a, x) : mc_igam(a, x);
        double f = upper ? lt - log(tail) : log(tail) - lt;
        if (f == 0.0) return x;
        if (f < 0.0) lo = x; else hi = x;
        double dens = mc_gamma_factor(a, x) / x;
        double nx = x - f * tail / dens;
        if (!(nx > lo && nx < hi)) {                 /* outside the bracket: bisect */
            if (hi == MC_INF) nx = x * 4.0 + 1.0;
            else if (lo == 0.0) nx = x * 0.25;
            else nx = 0.5 * (lo + hi);
            if (lo > 0.0 && hi != MC_INF && hi / lo > 4.0) nx = sqrt(lo) * sqrt(hi);
        }
        if (fabs(nx - x) <= 1e-15 * x || nx == x) return nx;
        if (hi != MC_INF && hi - lo <= 4e-16 * hi) return nx;
        x = nx;
    }
    return x;
}

MC_HDN double mc_igami(double a, double p) {          /* scipy.special.gammaincinv */
    if (a != a || p != p || a <= 0.0 || p < 0.0 || p > 1.0) return MC_NAN;
    if (p == 0.0) return 0.0;
    if (p == 1.0) return MC_INF;
    return p < 0.5 ? mc_igam_solve(a, p, false) : mc_igam_solve(a, 1.0 - p, true);
}

MC_HDN double mc_igamci(double a, double q) {         /* scipy.special.gammainccinv */
    if (a != a || q != q || a <= 0.0 || q < 0.0 || q > 1.0) return MC_NAN;
    if (q == 0.0) return MC_INF;
    if (q == 1.0) return 0.0;
    return q < 0.5 ? mc_igam_solve(a, q, true) : mc_igam_solve(a, 1.0 - q, false);
}

/* numba/_rt_dist.py, line for line (cum: non-zero is TRUE) */
MC_HD double d_gamma_dist(double x, double a, double b, double cum) {
    bool bad = (x < 0.0) | (a <= 0.0) | (b <= 0.0);
    a = mc_d_safe(a, bad, 1.0); b = mc_d_safe(b, bad, 1.0);
    double y = mc_d_safe(x, bad, 0.5) / b;
    if (cum != 0.0) return mc_igam(a, y);
    return exp(mc_xlogy(a - 1.0, y) - y - lgamma(a)) / b;
}
MC_HD double d_gamma_inv(double p, double a, double b) {
    bool bad = (p < 0.0) | (p > 1.0) | (a <= 0.0) | (b <= 0.0);
    return mc_d_safe(b, bad, 1.0) * mc_igami(mc_d_safe(a, bad, 1.0), mc_d_safe(p, bad, 0.5));
}
MC_HD double d_gammaln(double x) { return lgamma(x); }
MC_HD double d_gamma(double x) {
    bool bad = (x <= 0.0) & (x == floor(x));
    return tgamma(mc_d_safe(x, bad, 1.0));
}
MC_HD double d_chisq_dist(double x, double df, double cum) {
    bool bad = (x < 0.0) | (df < 1.0) | (df > 1e10);
    double k = mc_d_safe(df, bad, 1.0) / 2.0, y = mc_d_safe(x, bad, 0.5) / 2.0;
    if (cum != 0.0) return mc_igam(k, y);
    return exp(mc_xlogy(k - 1.0, y) - y - lgamma(k)) / 2.0;
}
MC_HD double d_chisq_rt(double x, double df) {
    bool bad = (x < 0.0) | (df < 1.0) | (df > 1e10);
    return mc_igamc(mc_d_safe(df, bad, 1.0) / 2.0, mc_d_safe(x, bad, 0.5) / 2.0);
}
MC_HD double d_chisq_inv(double p, double df, bool right) {
    bool bad = (p < 0.0) | (p > 1.0) | (df < 1.0) | (df > 1e10);
    double k = mc_d_safe(df, bad, 1.0) / 2.0;
    p = mc_d_safe(p, bad, 0.5);
    return 2.0 * (right ? mc_igamci(k, p) : mc_igami(k, p));
}
MC_HD double d_poisson(double k, double mean, double cum) {
    bool bad = (k < 0.0) | (mean < 0.0);
    k = mc_d_safe(k, bad, 0.0); mean = mc_d_safe(mean, bad, 1.0);
    if (cum != 0.0) return mean == 0.0 ? 1.0 : mc_igamc(floor(k) + 1.0, mean);   /* pdtr */
    return exp(mc_xlogy(k, mean) - mean - lgamma(k + 1.0));
}
MC_HD double mc_lcomb(double n, double k) {
    return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0);
}
MC_HD double d_hypgeom_pmf(double s, double n_s, double p_s, double n_p) {
    bool bad = (s < 0.0) | (s > n_s) | (s > p_s) | (n_s <= 0.0) | (n_s > n_p) | (p_s <= 0.0)
               | (p_s > n_p) | (n_p <= 0.0) | (s < n_s - n_p + p_s);
    s = mc_d_safe(s, bad, 1.0); n_s = mc_d_safe(n_s, bad, 1.0);
    p_s = mc_d_safe(p_s, bad, 1.0); n_p = mc_d_safe(n_p, bad, 1.0);
    return exp(mc_lcomb(p_s, s) + mc_lcomb(n_p - p_s, n_s - s) - mc_lcomb(n_p, n_s));
}
MC_HDN double d_hypgeom(double s, double n_s, double p_s, double n_p, double cum) {
    if (cum == 0.0) return d_hypgeom_pmf(s, n_s, p_s, n_p);
    bool bad = (s < 0.0) | (s > n_s) | (s > p_s) | (n_s <= 0.0) | (n_s > n_p) | (p_s <= 0.0)
               | (p_s > n_p) | (n_p <= 0.0) | (s < n_s - n_p + p_s);
    s = mc_d_safe(s, bad, 1.0); n_s = mc_d_safe(n_s, bad, 1.0);
    p_s = mc_d_safe(p_s, bad, 1.0); n_p = mc_d_safe(n_p, bad, 1.0);
    double lo = fmax(0.0, n_s - n_p + p_s), hi = fmin(n_s, p_s), rest = n_p - p_s - n_s;
    double mode = fmin(fmax(floor((n_s + 1.0) * (p_s + 1.0) / (n_p + 2.0)), lo), hi);
    double total = 1.0, below = mode <= s ? 1.0 : 0.0, above = mode <= s ? 0.0 : 1.0;
    double t = 1.0, i = mode;
    while (i > lo) {                     /* down: mass(i - 1) / mass(i) */
        t *= i * (rest + i) / ((p_s - i + 1.0) * (n_s - i + 1.0));
        i -= 1.0;
        total += t;
        if (i <= s) {
            below += t;
            if (t <= 1e-17 * below) break;
        } else {
            above += t;
        }
    }
    t = 1.0; i = mode;
    while (i < hi) {                     /* up: mass(i + 1) / mass(i) */
        t *= (p_s - i) * (n_s - i) / ((i + 1.0) * (rest + i + 1.0));
        i += 1.0;
        total += t;
        if (i <= s) {
            below += t;
        } else {
            above += t;
            if (t <= 1e-17 * above) break;
        }
    }
    return s < mode ? below / total : 1.0 - above / total;
}
MC_HD double d_expon(double x, double lam, double cum) {
    if (cum != 0.0) return -expm1(-lam * x);
    return lam * exp(-lam * x);
}
MC_HD double d_weibull(double x, double a, double b, double cum) {
    bool bad = (x < 0.0) | (a <= 0.0) | (b <= 0.0);
    a = mc_d_safe(a, bad, 1.0); b = mc_d_safe(b, bad, 1.0);
    double t = pow(mc_d_safe(x, bad, 0.5) / b, a);
    if (cum != 0.0) return -expm1(-t);
    return a / b * pow(mc_d_safe(x, bad, 0.5) / b, a - 1.0) * exp(-t);
}
MC_HD double d_conf_norm(double alpha, double sd, double size) {
    bool bad = (alpha <= 0.0) | (alpha >= 1.0) | (sd <= 0.0) | (size < 1.0);
    return ndtri(1.0 - mc_d_safe(alpha, bad, 0.5) / 2.0) * sd / sqrt(mc_d_safe(size, bad, 1.0));
}
MC_HD double d_phi(double x) { return exp(-0.5 * x * x) / 2.5066282746310002; }
MC_HD double d_gauss(double z) { return ndtr(z) - 0.5; }
MC_HD double d_erf(double x) { return mc_cephes_erf(x); }
MC_HD double d_erfc(double x) { return mc_cephes_erfc(x); }

/* ------------------------------------------------ the incomplete beta function and its inverse */
MC_HD double mc_xlog1py(double x, double y) { return (x == 0.0 && y == y) ? 0.0 : x * log1p(y); }

MC_HD double mc_lbeta(double a, double b) {          /* log B(a, b), a, b > 0 */
    if (a > b) { double t = a; a = b; b = t; }
    if (b < 10.0) return lgamma(a) + lgamma(b) - lgamma(a + b);
    if (a < 10.0)   /* lgamma(b) - lgamma(a + b) by Stirling, without the large logarithms */
        return lgamma(a) - (b - 0.5) * log1p(a / b) - a * log(a + b) + a
               + mc_stirling(b) - mc_stirling(a + b);
    return 0.9189385332046728 - (a - 0.5) * log1p(b / a) - (b - 0.5) * log1p(a / b)
           - 0.5 * log(a + b) + mc_stirling(a) + mc_stirling(b) - mc_stirling(a + b);
}

MC_HD double mc_lpmx(double v, double v0) {          /* log(v / v0) - (v / v0 - 1) */
    double t = (v - v0) / v0;
    return t < -0.5 || t > 0.5 ? log(v / v0) - t : mc_log1pmx(t);
}

MC_HD double mc_beta_factor(double a, double b, double x, double y) {   /* x^a y^b / B(a, b) */
    if (a < 10.0 || b < 10.0) return exp(a * log(x) + b * log(y) - mc_lbeta(a, b));
    /* around the mean x0 = a / (a + b): a log(x / x0) + b log(y / y0) loses its linear terms */
    double c = a + b;
    double e = a * mc_lpmx(x, a / c) + b * mc_lpmx(y, b / c);
    return exp(e + mc_stirling(c) - mc_stirling(a) - mc_stirling(b))
           * sqrt(a / c * b / 6.283185307179586);
}

/* the continued fraction is the runtime's mc_betacf (the PERT inverse's, modified Lentz) */
MC_HDN double mc_ibeta(double a, double b, double x, double y) {   /* I_x(a, b), y = 1 - x */
    if (x <= 0.0) return 0.0;
    if (y <= 0.0) return 1.0;
    double front = mc_beta_factor(a, b, x, y);
    if (x < (a + 1.0) / (a + b + 2.0)) return front * mc_betacf(a, b, x) / a;
    return 1.0 - front * mc_betacf(b, a, y) / b;
}

MC_HD double mc_betainc(double a, double b, double x) {   /* scipy.special.betainc */
    if (a != a || b != b || x != x || a < 0.0 || b < 0.0 || x < 0.0 || x > 1.0) return MC_NAN;
    return mc_ibeta(a, b, x, 1.0 - x);
}

struct mc_xy { double x, y; };

/* z with I_z(a, b) = p, p <= 1/2, and 1 - z: Newton on log I in a bracket, in z or in 1 - z
   (whichever is the smaller near the root, so that both come out to full precision) */
MC_HDN mc_xy mc_ibeta_root(double a, double b, double p) {
    double lp = log(p), mean = a / (a + b);
    double z0 = exp((lp + log(a) + mc_lbeta(a, b)) / a);   /* I ~ z^a / (a B(a, b)) near 0 */
    if (!(z0 < mean)) z0 = mean;
    bool flip = z0 > 0.5;
    double u = flip ? 1.0 - z0 : z0, lo = 0.0, hi = 1.0;
    for (int it = 0; it < 400; ++it) {
        double z = flip ? 1.0 - u : u, y = flip ? u : 1.0 - u;
        double v = mc_ibeta(a, b, z, y);
        double f = log(v) - lp;
        double g = flip ? -f : f;                     /* increasing in u */
        if (f == 0.0) break;
        if (g < 0.0) lo = u; else hi = u;
        double dens = mc_beta_factor(a, b, z, y) / (z * y);
        double nu = u - g * v / dens;
        if (!(nu > lo && nu < hi)) {
            if (lo == 0.0) nu = fmin(u * 0.25, 0.5 * hi);
            else if (hi / lo > 4.0) nu = sqrt(lo) * sqrt(hi);
            else nu = 0.5 * (lo + hi);
        }
        bool done = fabs(nu - u) <= 1e-15 * u || hi - lo <= 4e-16 * hi;
        u = nu;
        if (done) break;
    }
    mc_xy r;
    r.x = flip ? 1.0 - u : u;
    r.y = flip ? u : 1.0 - u;
    return r;
}

MC_HD mc_xy mc_ibeta_inv(double a, double b, double p) {   /* x (and 1 - x): I_x(a, b) = p */
    mc_xy r;
    if (p <= 0.0) { r.x = 0.0; r.y = 1.0; return r; }
    if (p >= 1.0) { r.x = 1.0; r.y = 0.0; return r; }
    if (p <= 0.5) return mc_ibeta_root(a, b, p);
    mc_xy s = mc_ibeta_root(b, a, 1.0 - p);              /* I_y(b, a) = 1 - p */
    r.x = s.y; r.y = s.x;
    return r;
}

MC_HDN double mc_betaincinv(double a, double b, double p) {   /* scipy.special.betaincinv */
    if (a != a || b != b || p != p || a <= 0.0 || b <= 0.0 || p < 0.0 || p > 1.0) return MC_NAN;
    return mc_ibeta_inv(a, b, p).x;
}

MC_HDN double mc_stdtr(double df, double t) {          /* scipy.special.stdtr */
    if (df != df || t != t || df <= 0.0) return MC_NAN;
    if (t == 0.0) return 0.5;
    if (!isfinite(t)) return t > 0.0 ? 1.0 : 0.0;
    double tt = t * t, z = df / (df + tt), y = tt / (df + tt);
    double p = 0.5 * mc_ibeta(0.5 * df, 0.5, z, y);
    return t < 0.0 ? p : 1.0 - p;
}

MC_HDN double mc_stdtrit(double df, double p) {       /* scipy.special.stdtrit */
    if (df != df || p != p || df <= 0.0 || p < 0.0 || p > 1.0) return MC_NAN;
    if (p == 0.0) return -MC_INF;
    if (p == 1.0) return MC_INF;
    if (p == 0.5) return 0.0;
    if (p > 0.5) return -mc_stdtrit(df, 1.0 - p);
    mc_xy r = mc_ibeta_inv(0.5 * df, 0.5, 2.0 * p);      /* z = df / (df + t^2) */
    return -sqrt(df * (r.y / r.x));
}

MC_HD double mc_fdtr(double a, double b, double x) {   /* scipy.special.fdtr */
    double w = a * x;
    w = w / (b + w);
    return mc_betainc(0.5 * a, 0.5 * b, w);
}
MC_HD double mc_fdtrc(double a, double b, double x) {  /* scipy.special.fdtrc */
    double w = b / (b + a * x);
    return mc_betainc(0.5 * b, 0.5 * a, w);
}
MC_HD double mc_fdtri(double a, double b, double p) {  /* scipy.special.fdtri */
    if (a != a || b != b || p != p || a <= 0.0 || b <= 0.0 || p < 0.0 || p > 1.0) return MC_NAN;
    if (p == 1.0) return MC_INF;
    mc_xy r = mc_ibeta_inv(0.5 * a, 0.5 * b, p);         /* w = a F / (a F + b) */
    return b * r.x / (a * r.y);
}

MC_HDN double mc_bdtr(double k, double n, double p) {   /* scipy.special.bdtr (Cephes' cases) */
    if (p != p || p < 0.0 || p > 1.0 || k < 0.0 || n < k) return MC_NAN;
    if (k == n) return 1.0;
    double dn = n - k;
    if (k == 0.0) return pow(1.0 - p, dn);
    return mc_betainc(dn, k + 1.0, 1.0 - p);
}

/* numba/_rt_dist.py, line for line */
MC_HD double d_beta_dist(double x, double a, double b, double cum, double lo, double hi) {
    bool bad = (a <= 0.0) | (b <= 0.0) | (x < lo) | (x > hi) | (lo >= hi);
    double width = mc_d_safe(hi - lo, bad, 1.0);
    double y = mc_d_safe((x - lo) / width, bad, 0.5);
    a = mc_d_safe(a, bad, 1.0); b = mc_d_safe(b, bad, 1.0);
    if (cum != 0.0) return mc_betainc(a, b, y);
    return exp(mc_xlogy(a - 1.0, y) + mc_xlog1py(b - 1.0, -y) - mc_lbeta(a, b)) / width;
}
MC_HD double d_beta_inv(double p, double a, double b, double lo, double hi) {
    bool bad = (p <= 0.0) | (p > 1.0) | (a <= 0.0) | (b <= 0.0) | (lo >= hi);
    double q = mc_betaincinv(mc_d_safe(a, bad, 1.0), mc_d_safe(b, bad, 1.0),
                             mc_d_safe(p, bad, 0.5));
    return lo + (hi - lo) * q;
}
MC_HD double d_t_dist(double x, double df, double cum) {
    double d = mc_d_safe(df, df < 1.0, 1.0);
    if (cum != 0.0) return mc_stdtr(d, x);
    return exp(lgamma((d + 1.0) / 2.0) - lgamma(d / 2.0)
               - (d + 1.0) / 2.0 * log1p(x * x / d)) / sqrt(d * 3.141592653589793);
}
MC_HD double d_t_tail(double x, double df, double tails, bool right_tail) {
    bool bad = (df < 1.0) | ((tails != 1.0) & (tails != 2.0));
    if (!right_tail) bad = bad | (x < 0.0);
    return tails * mc_stdtr(mc_d_safe(df, bad, 1.0), -x);
}
MC_HD double d_t_inv(double p, double df, bool two_tailed) {
    bool bad = (p <= 0.0) | (p > 1.0) | (df < 1.0);
    p = mc_d_safe(p, bad, 0.5);
    double q = two_tailed ? 1.0 - p / 2.0 : p;
    return mc_stdtrit(mc_d_safe(df, bad, 1.0), q);
}
MC_HD double d_f_dist(double x, double d1, double d2, double cum) {
    bool bad = (x < 0.0) | (d1 < 1.0) | (d2 < 1.0);
    d1 = mc_d_safe(d1, bad, 1.0); d2 = mc_d_safe(d2, bad, 1.0); x = mc_d_safe(x, bad, 1.0);
    if (cum != 0.0) return mc_fdtr(d1, d2, x);
    double logpdf = mc_xlogy(d1 / 2.0, d1) + mc_xlogy(d2 / 2.0, d2)
                    + mc_xlogy(d1 / 2.0 - 1.0, x)
                    - (d1 + d2) / 2.0 * log(d2 + d1 * x) - mc_lbeta(d1 / 2.0, d2 / 2.0);
    return exp(logpdf);
}
MC_HD double d_f_rt(double x, double d1, double d2) {
    bool bad = (x < 0.0) | (d1 < 1.0) | (d2 < 1.0);
    return mc_fdtrc(mc_d_safe(d1, bad, 1.0), mc_d_safe(d2, bad, 1.0), mc_d_safe(x, bad, 0.5));
}
MC_HD double d_f_inv(double p, double d1, double d2, bool right) {
    bool bad = (p < 0.0) | (p > 1.0) | (d1 < 1.0) | (d2 < 1.0);
    p = mc_d_safe(p, bad, 0.5);
    return mc_fdtri(mc_d_safe(d1, bad, 1.0), mc_d_safe(d2, bad, 1.0), right ? 1.0 - p : p);
}
MC_HD double mc_count(double n) { return floor(n < 0.0 ? 0.0 : (n > 4.611686018427388e18 ? 4.611686018427388e18 : n)); }
MC_HD double d_binom_dist(double k, double n, double p, double cum) {
    bool bad = (k < 0.0) | (k > n) | (p < 0.0) | (p > 1.0);
    k = mc_d_safe(k, bad, 0.0); n = mc_d_safe(n, bad, 1.0); p = mc_d_safe(p, bad, 0.5);
    if (cum != 0.0) return mc_bdtr(k, mc_count(n), p);
    return exp(lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0)
               + mc_xlogy(k, p) + mc_xlog1py(n - k, -p));
}
MC_HDN double d_binom_inv(double n, double p, double alpha) {
    bool bad = (n < 0.0) | (p < 0.0) | (p > 1.0) | (alpha < 0.0) | (alpha > 1.0);
    n = mc_d_safe(n, bad, 1.0); p = mc_d_safe(p, bad, 0.5); alpha = mc_d_safe(alpha, bad, 0.5);
    double m = mc_count(n), lo = 0.0, hi = n;
    while (lo < hi) {
        double mid = floor((lo + hi) / 2.0);
        if (mc_bdtr(mid, m, p) >= alpha) hi = mid; else lo = mid + 1.0;
    }
    return lo;
}
MC_HD double d_binom_range(double n, double p, double s1, double s2) {
    if (s2 != s2) s2 = s1;
    bool bad = (n < 0.0) | (p < 0.0) | (p > 1.0) | (s1 < 0.0) | (s1 > n) | (s2 < s1) | (s2 > n);
    n = mc_d_safe(n, bad, 1.0); p = mc_d_safe(p, bad, 0.5);
    s1 = mc_d_safe(s1, bad, 0.0); s2 = mc_d_safe(s2, bad, 0.0);
    double m = mc_count(n);
    double hi = mc_bdtr(s2, m, p);
    double lo = s1 > 0.0 ? mc_bdtr(fmax(s1 - 1.0, 0.0), m, p) : 0.0;
    return hi - lo;
}
MC_HD double d_negbinom(double f, double s, double p, double cum) {
    bool bad = (f < 0.0) | (s < 1.0) | (p <= 0.0) | (p >= 1.0);
    f = mc_d_safe(f, bad, 0.0); s = mc_d_safe(s, bad, 1.0); p = mc_d_safe(p, bad, 0.5);
    if (cum != 0.0) return mc_betainc(s, f + 1.0, p);
    return exp(mc_lcomb(f + s - 1.0, s - 1.0) + s * log(p) + f * log1p(-p));
}
MC_HD double d_conf_t(double alpha, double sd, double size) {
    bool bad = (alpha <= 0.0) | (alpha >= 1.0) | (sd <= 0.0) | (size < 1.0);
    bool one = (!bad) & (size == 1.0);
    double df = mc_d_safe(size - 1.0, bad | one, 1.0);
    return mc_stdtrit(df, 1.0 - mc_d_safe(alpha, bad, 0.5) / 2.0) * sd
           / sqrt(mc_d_safe(size, bad, 1.0));
}
"""
