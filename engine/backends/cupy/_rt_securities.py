"""CUDA twins of the numba kernel's securities helpers (:mod:`..numba._rt_securities`:
COUPDAYBS ... COUPPCD, PRICE, YIELD, DURATION, MDURATION).  Private to the cupy backend:
:data:`SECURITIES_RUNTIME` is C++ source that the generated kernel includes after
:data:`._rt.RUNTIME` and :data:`._rt_calendar.CALENDAR_RUNTIME` (``mc_civil``,
``mc_days_1970``, ``mc_fdiv``) when a line calls one of :data:`SECURITIES_NAMES`.

Each function follows its numba twin line for line (dates as days from 1899-12-30 of the
real calendar, numpy's pairwise sums over terms computed on the fly with the same explicit
stack, NaN where the library's trial is NaN), so the host build gives the numba kernel's
numbers.  On a GPU, ``pow`` is CUDA's (within 2 ulp of the host's), so YIELD, whose Newton
and bisection steps stop at 1e-12, may land up to ~1e-11 from the host there.
"""

from __future__ import annotations

from ..numba._rt_securities import _EPOCH_1970, _LAST_DAY
from ..numba._rt_securities import KERNEL_NAMES as SECURITIES

__all__ = ["SECURITIES_NAMES", "SECURITIES_RUNTIME"]

SECURITIES_NAMES: tuple[str, ...] = tuple(SECURITIES)

_BODY = r"""
/* ------------------------------------------------------------ securities (numba/_rt_securities.py) */
/* the large functions are called, not inlined at every call site (nvcc took 80 s to inline
   YIELD's price and sums into a kernel of a few dozen securities cells) */
#ifdef __CUDACC__
#define MC_SEC __host__ __device__ __noinline__
#else
#define MC_SEC static
#endif
MC_HD long long mc_sec_month_days(long long y, long long m) {
    if (m == 2) return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
    return (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
}
MC_HD long long mc_sec_day_of(long long y, long long m, long long d) {
    return mc_days_1970(y, m) + d - 1 + @EPOCH@LL;
}
MC_HD void mc_sec_add_months(long long y, long long m, long long d, long long months, bool eom,
                             long long *yo, long long *mo, long long *dout) {
    long long total = y * 12 + m - 1 + months;
    *yo = mc_fdiv(total, 12); *mo = mc_fmod(total, 12) + 1;
    long long last = mc_sec_month_days(*yo, *mo);
    *dout = eom ? last : (d < last ? d : last);
}
MC_HD long long mc_sec_days360(long long y1, long long m1, long long d1, long long y2,
                               long long m2, long long d2, bool european) {
    if (european) { d1 = d1 < 30 ? d1 : 30; d2 = d2 < 30 ? d2 : 30; }
    else {
        bool feb_end = m1 == 2 && d1 == mc_sec_month_days(y1, 2);
        if (d1 == 31 || feb_end) d1 = 30;
        if (d2 == 31 && d1 >= 30) d2 = 30;
    }
    return (y2 - y1) * 360 + (m2 - m1) * 30 + (d2 - d1);
}
MC_HD long long mc_sec_day(double serial, long long shift) {
    if (!(serial <= 1e9)) return -1;
    long long s = (long long)trunc(serial) + shift;
    long long real = s >= 61 ? s : s + 1;
    return real <= @LAST_DAY@LL ? real : -1;
}
MC_HD double mc_sec_serial(long long day, long long shift) {
    return (double)(day >= 61 ? day : day - 1) - (double)shift;
}
MC_HD bool mc_sec_valid(double s, double m, double f, double b) {
    double ft = trunc(f), bt = trunc(b);
    return trunc(s) < trunc(m) && (ft == 1.0 || ft == 2.0 || ft == 4.0) && 0.0 <= bt
        && bt <= 4.0 && s >= 0.0;
}
struct McCoupon { bool ok; double bs, period, nc; long long left, pday, nday; };
MC_SEC McCoupon mc_sec_coupon_days(double s, double m, long long freq, long long basis,
                                  long long shift) {
    McCoupon o; o.ok = false; o.bs = o.period = o.nc = 0.0; o.left = o.pday = o.nday = 0;
    long long sd = mc_sec_day(s, shift), md = mc_sec_day(m, shift);
    if (sd < 0 || md < 0) return o;
    long long sy, sm, sdd, my, mm, mdd;
    mc_civil(sd - @EPOCH@LL, &sy, &sm, &sdd);
    mc_civil(md - @EPOCH@LL, &my, &mm, &mdd);
    long long step = mc_fdiv(12, freq);
    bool eom = mdd == mc_sec_month_days(my, mm);
    long long k = 0, py = my, pm = mm, pd = mdd, pday = md;
    while (pday > sd) {
        ++k;
        mc_sec_add_months(my, mm, mdd, -step * k, eom, &py, &pm, &pd);
        pday = mc_sec_day_of(py, pm, pd);
    }
    long long ny, nm, nd;
    mc_sec_add_months(my, mm, mdd, -step * (k - 1), eom, &ny, &nm, &nd);
    long long nday = mc_sec_day_of(ny, nm, nd);
    double bs = (basis == 0 || basis == 4) ? (double)mc_sec_days360(py, pm, pd, sy, sm, sdd, basis == 4)
                                          : (double)(sd - pday);
    double period = basis == 1 ? (double)(nday - pday)
                  : (basis == 3 ? 365.0 / (double)freq : 360.0 / (double)freq);
    double nc = basis == 0 ? period - bs
              : (basis == 4 ? (double)mc_sec_days360(sy, sm, sdd, ny, nm, nd, true)
                            : (double)(nday - sd));
    o.ok = true; o.bs = bs; o.period = period; o.nc = nc; o.left = k; o.pday = pday; o.nday = nday;
    return o;
}
MC_SEC double sec_coupon(double s, double m, double f, double b, long long which, long long shift) {
    if (!mc_sec_valid(s, m, f, b)) return MC_NAN;
    McCoupon c = mc_sec_coupon_days(s, m, (long long)f, (long long)b, shift);
    if (!c.ok) return MC_NAN;
    if (which == 0) return c.bs;
    if (which == 1) return c.period;
    if (which == 2) return c.nc;
    if (which == 3) return (double)c.left;
    return mc_sec_serial(which == 4 ? c.pday : c.nday, shift);
}
MC_HD double mc_sec_term(int kind, long long j, long long n, double base, double off, double c) {
    double t = off + (double)j;
    if (kind == 0) return c / pow(base, t);
    double cash = j == n - 1 ? c + 100.0 : c;
    double disc = cash / pow(base, t);
    return kind == 1 ? disc : t * disc;
}
MC_SEC double mc_sec_leaf(int kind, long long lo, long long cnt, long long n, double base,
                         double off, double c) {
    if (cnt < 8) {
        double res = -0.0;
        for (long long i = lo; i < lo + cnt; ++i) res += mc_sec_term(kind, i, n, base, off, c);
        return res;
    }
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = mc_sec_term(kind, lo + j, n, base, off, c);
    long long i = 8;
    for (; i < cnt - (cnt % 8); i += 8)
        for (int j = 0; j < 8; ++j) r[j] += mc_sec_term(kind, lo + i + j, n, base, off, c);
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < cnt; ++i) res += mc_sec_term(kind, lo + i, n, base, off, c);
    return res;
}
MC_HD long long mc_sec_half(long long cnt) { long long n2 = cnt / 2; return n2 - n2 % 8; }
MC_SEC double mc_sec_psum(int kind, long long n, double base, double off, double c) {
    if (n <= 128) return mc_sec_leaf(kind, 0, n, n, base, off, c);
    long long los[64], cnts[64], stage[64];
    double left[64];
    int sp = 0;
    los[0] = 0; cnts[0] = n; stage[0] = 0;
    while (true) {
        long long k = cnts[sp];
        if (k > 128) {
            stage[sp] = 1;
            los[sp + 1] = los[sp]; cnts[sp + 1] = mc_sec_half(k); stage[sp + 1] = 0;
            ++sp;
            continue;
        }
        double ret = mc_sec_leaf(kind, los[sp], k, n, base, off, c);
        --sp;
        while (sp >= 0 && stage[sp] == 2) { ret = left[sp] + ret; --sp; }
        if (sp < 0) return ret;
        left[sp] = ret;
        stage[sp] = 2;
        long long h = mc_sec_half(cnts[sp]);
        los[sp + 1] = los[sp] + h; cnts[sp + 1] = cnts[sp] - h; stage[sp + 1] = 0;
        ++sp;
    }
}
MC_SEC double mc_sec_price(double s, double m, double rate, double yld, double red, long long f,
                          long long b, long long shift) {
    McCoupon c = mc_sec_coupon_days(s, m, f, b, shift);
    if (!c.ok) return MC_NAN;
    double a = c.bs, e = c.period, dsc = c.nc, fd = (double)f;
    long long n = c.left;
    double coupon = 100.0 * rate / fd;
    if (n == 1) {
        double den = 1.0 + dsc / e * yld / fd;
        if (den == 0.0) return MC_NAN;
        return (red + coupon) / den - a / e * coupon;
    }
    double base = 1.0 + yld / fd;
    double first = pow(base, (double)(n - 1) + dsc / e);
    if (mc_isinf(first) || first == 0.0) return MC_NAN;
    return red / first + mc_sec_psum(0, n, base, dsc / e, coupon) - coupon * a / e;
}
MC_SEC double sec_price(double s, double m, double rate, double yld, double red, double f,
                       double b, long long shift) {
    if (!mc_sec_valid(s, m, f, b) || rate < 0.0 || yld < 0.0 || red <= 0.0) return MC_NAN;
    return mc_sec_price(s, m, rate, yld, red, (long long)f, (long long)b, shift);
}
MC_SEC double sec_yield(double s, double m, double rate, double pr, double red, double f,
                       double b, long long shift) {
    if (!mc_sec_valid(s, m, f, b) || rate < 0.0 || pr <= 0.0 || red <= 0.0) return MC_NAN;
    long long fi = (long long)f, bi = (long long)b;
    double fd = (double)fi;
    McCoupon c = mc_sec_coupon_days(s, m, fi, bi, shift);
    if (!c.ok) return MC_NAN;
    double a = c.bs, e = c.period, dsc = c.nc;
    if (c.left == 1) {
        double den = pr / 100.0 + a / e * rate / fd;
        if (den == 0.0 || dsc == 0.0) return MC_NAN;
        return ((red / 100.0 + rate / fd) - den) / den * fd * e / dsc;
    }
    double lo = -0.99 * fd, hi = 10.0;
    double y = rate > 0.0 ? rate : 0.05;
    for (int it = 0; it < 100; ++it) {
        double p0 = mc_sec_price(s, m, rate, y, red, fi, bi, shift);
        if (p0 != p0) return MC_NAN;
        double p = p0 - pr;
        double h = 1e-7 * pymax(1.0, fabs(y));
        double up = mc_sec_price(s, m, rate, y + h, red, fi, bi, shift);
        double down = mc_sec_price(s, m, rate, y - h, red, fi, bi, shift);
        if (up != up || down != down) return MC_NAN;
        double dp = (up - down) / (2.0 * h);
        if (p > 0.0) lo = pymax(lo, y);
        else hi = pymin(hi, y);
        double step = dp != 0.0 ? p / dp : 0.0;
        double nxt = y - step;
        if (!(lo < nxt && nxt < hi)) nxt = (lo + hi) / 2.0;
        if (fabs(nxt - y) < 1e-12) return nxt;
        y = nxt;
    }
    double last = mc_sec_price(s, m, rate, y, red, fi, bi, shift);
    if (last != last) return MC_NAN;
    return fabs(last - pr) < 1e-8 ? y : MC_NAN;
}
MC_SEC double sec_duration(double s, double m, double c, double y, double f, double b,
                          double modified, long long shift) {
    if (!mc_sec_valid(s, m, f, b) || c < 0.0 || y < 0.0) return MC_NAN;
    long long fi = (long long)f;
    double fd = (double)fi;
    McCoupon k = mc_sec_coupon_days(s, m, fi, (long long)b, shift);
    if (!k.ok) return MC_NAN;
    double base = 1.0 + y / fd, cpn = 100.0 * c / fd, off = k.nc / k.period;
    double d = mc_sec_psum(2, k.left, base, off, cpn) / mc_sec_psum(1, k.left, base, off, cpn) / fd;
    return modified != 0.0 ? d / (1.0 + y / fd) : d;
}
/* ---- end of securities */
"""

SECURITIES_RUNTIME = (_BODY.replace("@EPOCH@", str(int(_EPOCH_1970)))
                      .replace("@LAST_DAY@", str(int(_LAST_DAY))))
