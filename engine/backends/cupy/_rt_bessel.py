"""CUDA twins of the numba kernel's BESSELI/J/K/Y (:mod:`..numba._rt_bessel`), private to the
cupy backend: :data:`BESSEL_RUNTIME` is C++ source the generated kernel includes when a line
calls one of :data:`BESSEL_NAMES`.  The same Numerical Recipes routines line for line, their
coefficients written from :mod:`engine.functions._bessel_nr`'s tuples (``repr`` of a double is
exact).  Only the ``*_small`` entries have twins: the generator calls them where the order is
known to stay under :data:`..numba._rt_bessel.SMALL_ORDER` (the reference's scipy fallback for
huge orders has no GPU twin), so a kernel with an unbounded order runs on the CPU.
"""

from __future__ import annotations

from ...functions import _bessel_nr as nr
from ..numba._rt_bessel import SMALL_NAMES

__all__ = ["BESSEL_NAMES", "BESSEL_RUNTIME"]

BESSEL_NAMES: tuple[str, ...] = SMALL_NAMES


def _poly(name: str, coeffs: tuple[float, ...]) -> str:
    """``c0 + y*(c1 + ...)`` as numpy's _poly evaluates it, a C function of y."""
    expr = repr(float(coeffs[-1]))
    for c in coeffs[-2::-1]:
        expr = f"{float(c)!r} + y * ({expr})"
    return f"MC_HD double mc_bs_{name}(double y) {{ return {expr}; }}"


_POLYS = "\n".join(_poly(k.strip("_").lower(), getattr(nr, k)) for k in (
    "_I0_SMALL", "_I0_LARGE", "_I1_SMALL", "_I1_LARGE", "_K0_SMALL", "_K0_LARGE", "_K1_SMALL",
    "_K1_LARGE", "_J0_NUM", "_J0_DEN", "_J1_NUM", "_J1_DEN", "_Y0_NUM", "_Y0_DEN", "_Y1_NUM",
    "_Y1_DEN", "_P0", "_Q0_J", "_Q0_Y", "_P1", "_Q1"))

BESSEL_RUNTIME = _POLYS + rf"""
/* ------------------------------------------------ BESSEL (numba/_rt_bessel.py, line for line) */
#ifdef __CUDACC__
#define MC_BSN __host__ __device__ __noinline__
#else
#define MC_BSN inline
#endif
MC_HD double mc_bs_i0(double x) {{
    double ax = fabs(x);
    if (ax < 3.75) {{ double t = x / 3.75; return mc_bs_i0_small(t * t); }}
    return (exp(ax) / sqrt(ax)) * mc_bs_i0_large(3.75 / ax);
}}
MC_HD double mc_bs_i1(double x) {{
    double ax = fabs(x), out;
    if (ax < 3.75) {{ double t = x / 3.75; out = ax * mc_bs_i1_small(t * t); }}
    else out = mc_bs_i1_large(3.75 / ax) * (exp(ax) / sqrt(ax));
    return x < 0 ? -out : out;
}}
MC_HD double mc_bs_k0(double x) {{
    if (x <= 2.0) return (-log(x / 2.0) * mc_bs_i0(x)) + mc_bs_k0_small(x * x / 4.0);
    return (exp(-x) / sqrt(x)) * mc_bs_k0_large(2.0 / x);
}}
MC_HD double mc_bs_k1(double x) {{
    if (x <= 2.0) return (log(x / 2.0) * mc_bs_i1(x)) + (1.0 / x) * mc_bs_k1_small(x * x / 4.0);
    return (exp(-x) / sqrt(x)) * mc_bs_k1_large(2.0 / x);
}}
MC_HD double mc_bs_asym(double ax, double shift, int order, bool jq, bool sine) {{
    double z = 8.0 / ax, y = z * z, xx = ax - shift;
    double a1 = order == 0 ? mc_bs_p0(y) : mc_bs_p1(y);
    double a2 = order == 1 ? mc_bs_q1(y) : (jq ? mc_bs_q0_j(y) : mc_bs_q0_y(y));
    double trig = sine ? sin(xx) * a1 + z * cos(xx) * a2 : cos(xx) * a1 - z * sin(xx) * a2;
    return sqrt(0.636619772 / ax) * trig;
}}
MC_HD double mc_bs_j0(double x) {{
    double ax = fabs(x);
    if (ax < 8.0) {{ double y = x * x; return mc_bs_j0_num(y) / mc_bs_j0_den(y); }}
    return mc_bs_asym(ax, 0.785398164, 0, true, false);
}}
MC_HD double mc_bs_j1(double x) {{
    double ax = fabs(x);
    if (ax < 8.0) {{ double y = x * x; return x * mc_bs_j1_num(y) / mc_bs_j1_den(y); }}
    double out = mc_bs_asym(ax, 2.356194491, 1, true, false);
    return x < 0 ? -out : out;
}}
MC_HD double mc_bs_y0(double x) {{
    if (x < 8.0) {{
        double y = x * x;
        return (mc_bs_y0_num(y) / mc_bs_y0_den(y)) + 0.636619772 * mc_bs_j0(x) * log(x);
    }}
    return mc_bs_asym(x, 0.785398164, 0, false, true);
}}
MC_HD double mc_bs_y1(double x) {{
    if (x < 8.0) {{
        double y = x * x;
        return ((x * mc_bs_y1_num(y) / mc_bs_y1_den(y))
                + 0.636619772 * (mc_bs_j1(x) * log(x) - 1.0 / x));
    }}
    return mc_bs_asym(x, 2.356194491, 1, false, true);
}}
MC_BSN double mc_bs_upward(double n, double x, double first, double second, int kind) {{
    if (n == 0.0) return first;
    if (n == 1.0) return second;
    double tox = 2.0 / x, prev = first, cur = second;
    for (long long j = 1; j < (long long)n; ++j) {{
        double nxt = kind == 0 ? prev + (double)j * tox * cur : (double)j * tox * cur - prev;
        prev = cur; cur = nxt;
    }}
    return cur;
}}
MC_HD double mc_bs_odd_sign(double n, double x, double v) {{
    return (x < 0 && fmod(n, 2.0) == 1.0) ? -v : v;
}}
MC_BSN double mc_bs_in_miller(double n, double x) {{
    double tox = 2.0 / fabs(x);
    long long m = (long long)(2.0 * (n + floor(sqrt({nr.ACC!r} * n))));
    double bip = 0.0, ans = 0.0, bi = 1.0;
    for (long long j = m; j > 0; --j) {{
        double bim = bip + (double)j * tox * bi;
        bip = bi; bi = bim;
        if (fabs(bi) > {nr.BIGNO!r}) {{ ans *= {nr.BIGNI!r}; bi *= {nr.BIGNI!r}; bip *= {nr.BIGNI!r}; }}
        if (n == (double)j) ans = bip;
    }}
    return ans * (mc_bs_i0(x) / bi);
}}
MC_BSN double mc_bs_jn_miller(double n, double ax) {{
    double tox = 2.0 / ax;
    long long m = (long long)(2.0 * floor((n + floor(sqrt({nr.ACC!r} * n))) / 2.0));
    double bjp = 0.0, ans = 0.0, total = 0.0, bj = 1.0;
    for (long long j = m; j > 0; --j) {{
        double bjm = (double)j * tox * bj - bjp;
        bjp = bj; bj = bjm;
        if (fabs(bj) > {nr.BIGNO!r}) {{
            bj *= {nr.BIGNI!r}; bjp *= {nr.BIGNI!r}; ans *= {nr.BIGNI!r}; total *= {nr.BIGNI!r};
        }}
        if (j % 2) total = total + bj;
        if (n == (double)j) ans = bjp;
    }}
    return ans / (2.0 * total - bj);
}}
/* the order truncated, -1 for a bad one (the generator flags it #NUM!) */
MC_HD double mc_bs_order(double n) {{ double k = trunc(n); return k >= 0.0 ? k : -1.0; }}
MC_HD double bs_besseli_small(double x, double n) {{
    double k = mc_bs_order(n);
    if (k == -1.0) return 0.0;
    if (k == 0.0) return mc_bs_i0(x);
    if (k == 1.0) return mc_bs_i1(x);
    if (x == 0.0) return 0.0;
    return mc_bs_odd_sign(k, x, mc_bs_in_miller(k, x));
}}
MC_HD double bs_besselj_small(double x, double n) {{
    double k = mc_bs_order(n);
    if (k == -1.0) return 0.0;
    if (k == 0.0) return mc_bs_j0(x);
    if (k == 1.0) return mc_bs_j1(x);
    double ax = fabs(x);
    if (ax == 0.0) return 0.0;
    double v = ax > k ? mc_bs_upward(k, ax, mc_bs_j0(ax), mc_bs_j1(ax), 1) : mc_bs_jn_miller(k, ax);
    return mc_bs_odd_sign(k, x, v);
}}
MC_HD double bs_besselk_small(double x, double n) {{
    double k = mc_bs_order(n);
    if (k == -1.0 || !(x > 0.0)) return 0.0;
    return mc_bs_upward(k, x, mc_bs_k0(x), mc_bs_k1(x), 0);
}}
MC_HD double bs_bessely_small(double x, double n) {{
    double k = mc_bs_order(n);
    if (k == -1.0 || !(x > 0.0)) return 0.0;
    return mc_bs_upward(k, x, mc_bs_y0(x), mc_bs_y1(x), 1);
}}
"""
