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
  (GAMMA.INV, CHISQ.INV(.RT)) by Halley's method on the tail that was given exactly, kept in a
  bracket (bisection where a step leaves it), from a Wilson-Hilferty start;
* GAMMALN, GAMMA and the log-binomials of HYPGEOM.DIST's mass are the platform's lgamma and
  tgamma (scipy: Cephes' lgam and Gamma; a few units in the last place apart).

These are not scipy's algorithms, so they are equal to numpy to about 1e-14 relative over the
parameters a model uses (shape 0.05 .. 1e4, probabilities 1e-300 .. 1 - 1e-6), not bit for bit:
tests/test_cupy_distributions.py checks them against scipy on the host build.  The beta-based
helpers (BETA.*, T.*, F.*, BINOM.*, NEGBINOM.DIST, CONFIDENCE.T) have no twin yet: a program
using them runs on the CPU under the cupy backend.
"""

from __future__ import annotations

__all__ = ["DIST_NAMES", "DIST_RUNTIME"]

# the numba/_rt_dist.py helpers with a twin here
DIST_NAMES: tuple[str, ...] = (
    "d_gamma_dist", "d_gamma_inv", "d_gammaln", "d_gamma", "d_chisq_dist", "d_chisq_rt",
    "d_chisq_inv", "d_poisson", "d_hypgeom_pmf", "d_expon", "d_weibull", "d_conf_norm",
    "d_phi", "d_gauss", "d_erf", "d_erfc",
)

DIST_RUNTIME = r"""
/* ------------------------------------------------------------ distributions (numba/_rt_dist.py) */
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

MC_HD double mc_gamma_factor(double a, double x) {   /* x^a e^-x / Gamma(a) */
    if (a < 10.0) return exp(a * log(x) - x - lgamma(a));
    /* lgamma(a) = (a - 1/2) log a - a + log(2 pi)/2 + mu(a), mu by Stirling's series */
    double r = 1.0 / a, r2 = r * r;
    double mu = r * (1.0 / 12.0 + r2 * (-1.0 / 360.0 + r2 * (1.0 / 1260.0 + r2 * (-1.0 / 1680.0
              + r2 * (1.0 / 1188.0 + r2 * (-691.0 / 360360.0 + r2 * (1.0 / 156.0
              + r2 * (-3617.0 / 122400.0))))))));
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

MC_HD double mc_igam(double a, double x) {           /* scipy.special.gammainc */
    if (x != x || a != a || a <= 0.0 || x < 0.0) return MC_NAN;
    if (x == 0.0) return 0.0;
    if (x == MC_INF) return 1.0;
    if (x < a + 1.0) return mc_gamma_factor(a, x) * mc_gamma_series(a, x);
    return 1.0 - mc_gamma_factor(a, x) * mc_gamma_cf(a, x);
}

MC_HD double mc_igamc(double a, double x) {          /* scipy.special.gammaincc */
    if (x != x || a != a || a <= 0.0 || x < 0.0) return MC_NAN;
    if (x == 0.0) return 1.0;
    if (x == MC_INF) return 0.0;
    if (x < a + 1.0) return 1.0 - mc_gamma_factor(a, x) * mc_gamma_series(a, x);
    return mc_gamma_factor(a, x) * mc_gamma_cf(a, x);
}

/* x with P(a, x) = p (upper false) or Q(a, x) = p (upper true), p in (0, 1) */
MC_HD double mc_igam_solve(double a, double p, bool upper) {
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

MC_HD double mc_igami(double a, double p) {          /* scipy.special.gammaincinv */
    if (a != a || p != p || a <= 0.0 || p < 0.0 || p > 1.0) return MC_NAN;
    if (p == 0.0) return 0.0;
    if (p == 1.0) return MC_INF;
    return p < 0.5 ? mc_igam_solve(a, p, false) : mc_igam_solve(a, 1.0 - p, true);
}

MC_HD double mc_igamci(double a, double q) {         /* scipy.special.gammainccinv */
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
"""
