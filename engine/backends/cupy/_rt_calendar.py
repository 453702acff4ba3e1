"""CUDA twins of the numba kernel's calendar and annuity helpers
(:mod:`..numba._rt_calendar`: DATE, EDATE, EOMONTH, WEEKDAY; :mod:`..numba._rt_annuity`:
IPMT, PPMT, NPER, CUMIPMT, CUMPRINC, RATE, DDB).  Private to the cupy backend:
:data:`CALENDAR_RUNTIME` is C++ source that the generated kernel includes after
:data:`._rt.RUNTIME` (it uses ``mc_ymd``, ``pmt``, ``fv``, ``mc_growth`` and ``IrrOut``
from there) when a line calls one of :data:`CALENDAR_NAMES`.

Each function follows its numba twin line for line, with Python's floor division and
modulo on integers (``mc_fdiv``, ``mc_fmod``), so that the host build gives the numba
kernel's (and numpy's) numbers.  One deliberate difference: a month or day count beyond
what a ``long long`` holds is clipped in floating point (numpy's ``np.clip(np.trunc(x))``)
where numba's ``int(math.trunc(x))`` overflows; such a date is #NUM! either way.
"""

from __future__ import annotations

from ..numba._rt_annuity import _POLISH_DONE, _POLISH_STEPS, _RATE_ITER, _TOL
from ..numba._rt_annuity import KERNEL_NAMES as ANNUITY
from ..numba._rt_calendar import _EPOCH_1970, _MONTHS_MAX
from ..numba._rt_calendar import KERNEL_NAMES as CALENDAR

__all__ = ["CALENDAR_NAMES", "CALENDAR_RUNTIME", "CIVIL_RUNTIME"]

CALENDAR_NAMES: tuple[str, ...] = (*CALENDAR, *ANNUITY)

# Python's floor division and dates.from_ymd (numba/_rt_calendar._from_ymd), which the math
# runtime (._rt_math) uses as well: guarded, so a kernel that includes both defines them once.
CIVIL_RUNTIME = r"""
#ifndef MC_CIVIL_DEFINED
#define MC_CIVIL_DEFINED
MC_HD long long mc_fdiv(long long a, long long b) {   /* Python's a // b */
    long long q = a / b;
    return (q * b != a && ((a < 0) != (b < 0))) ? q - 1 : q;
}
MC_HD long long mc_fmod(long long a, long long b) { return a - mc_fdiv(a, b) * b; }

MC_HD long long mc_days_1970(long long y, long long m) {
    long long yy = m <= 2 ? y - 1 : y;
    long long era = mc_fdiv(yy >= 0 ? yy : yy - 399, 400);
    long long yoe = yy - era * 400;
    long long mp = m > 2 ? m - 3 : m + 9;
    long long doy = mc_fdiv(153 * mp + 2, 5);
    long long doe = yoe * 365 + mc_fdiv(yoe, 4) - mc_fdiv(yoe, 100) + doy;
    return era * 146097 + doe - 719468;
}

MC_HD double mc_from_ymd(long long y, long long m, long long d, long long shift) {
    long long total = y * 12 + m - 1;
    total = total < 0 ? 0 : (total > @MONTHS_MAX@LL ? @MONTHS_MAX@LL : total);
    long long real = mc_days_1970(mc_fdiv(total, 12), mc_fmod(total, 12) + 1) + @EPOCH@LL;
    long long first = real >= 61 ? real : real - 1;
    return (double)(first + d - 1 - shift);
}
#endif
""".replace("@MONTHS_MAX@", str(int(_MONTHS_MAX))).replace("@EPOCH@", str(int(_EPOCH_1970)))

_BODY = r"""
/* ------------------------------------------------------------ calendar (numba/_rt_calendar.py) */
@CIVIL@
MC_HD long long mc_trunc_int(double x, double bound) {
    if (!isfinite(x)) return x != x ? 0 : (x > 0.0 ? (long long)bound : -(long long)bound);
    double t = trunc(x);
    return (long long)(t < -bound ? -bound : (t > bound ? bound : t));
}

MC_HD double cal_date(double y, double m, double d, long long shift) {
    double yt = isfinite(y) ? trunc(y) : 1900.0;
    double yy = yt < 1900.0 ? yt + 1900.0 : yt;
    if (yt < 0.0 || yt > 9999.0) yy = 1900.0;
    return mc_from_ymd((long long)yy, mc_trunc_int(m, 1e5), mc_trunc_int(d, 1e7), shift);
}

MC_HD double cal_shift(double s, double k, double end_of_month, long long shift) {
    long long y, m, d;
    mc_ymd(s, shift, &y, &m, &d);
    long long m2 = m + mc_trunc_int(k, 2e5);
    if (end_of_month != 0.0) return mc_from_ymd(y, m2 + 1, 1, shift) - 1.0;
    long long yl = y + mc_fdiv(m2 - 1, 12), ml = mc_fmod(m2 - 1, 12) + 1;
    double last = mc_from_ymd(yl, ml + 1, 1, shift) - mc_from_ymd(yl, ml, 1, shift);
    long long lastd = (long long)last;
    return mc_from_ymd(y, m2, d < lastd ? d : lastd, shift);
}

MC_HD double cal_weekday(double s, double kind, long long shift) {
    double x = isfinite(s) ? s : 0.0;
    double c = x < -1e7 ? -1e7 : (x > 1e7 ? 1e7 : x);
    long long mon0 = mc_fmod((long long)floor(c) + shift + 5, 7);
    long long start;
    if (kind == 1.0) start = 6;
    else if (kind == 2.0 || kind == 3.0) start = 0;
    else { start = (long long)kind - 11; start = start < 0 ? 0 : (start > 6 ? 6 : start); }
    return (double)(mc_fmod(mon0 - start, 7) + (kind == 3.0 ? 0 : 1));
}

/* ------------------------------------------------------------ annuities (numba/_rt_annuity.py) */
MC_HD double ipmt(double r, double per, double n, double v, double f, double t) {
    double p = pmt(r, n, v, f, t), before;
    if (per == 1.0) before = t != 0.0 ? 0.0 : -v;
    else if (t != 0.0) before = fv(r, per - 2.0, p, v, t) - p;
    else before = fv(r, per - 1.0, p, v, t);
    return before * r;
}

MC_HD double nper(double r, double p, double v, double f, double t) {
    double pb = p * (1.0 + r * (t != 0.0 ? 1.0 : 0.0));
    if (r == 0.0) return -(v + f) / (p == 0.0 ? 1.0 : p);
    double x = (pb - f * r) / (pb + v * r);
    return (x > 0.0 ? log(x) : (x == 0.0 ? -MC_INF : MC_NAN)) / log1p(r);
}

MC_HD double cum_pay(double r, double n, double v, double start, double end, double t,
                     double principal) {
    double total = 0.0;
    for (double k = 1.0; k <= end; k += 1.0) {
        if (k >= start) {
            double term = ipmt(r, k, n, v, 0.0, t);
            if (principal != 0.0) term = pmt(r, n, v, 0.0, t) - term;
            total = total + term;
        }
    }
    return total;
}

MC_HD void mc_rate_fun(double r, double n, double p, double v, double f, double b,
                       double *fx, double *dfx) {
    double g, ann; mc_growth(r, n, &g, &ann);
    bool small = fabs(r) < 1e-10;
    double rr = small ? 1.0 : r;
    double dann = small ? n * (n - 1.0) / 2.0 : (n * g / (1.0 + r) - ann) / rr;
    double k = 1.0 + r * b;
    *fx = v * g + p * k * ann + f;
    *dfx = v * n * g / (1.0 + r) + p * (b * ann + k * dann);
}

MC_HD IrrOut mc_rate_out(double x, double ok) { IrrOut o; o.v[0] = x; o.v[1] = ok; return o; }

MC_HD IrrOut rate_root(double n, double p, double v, double f, double t, double guess) {
    double b = t != 0.0 ? 1.0 : 0.0, x = guess;
    for (int it = 0; it < @RATE_ITER@; ++it) {
        double fx, dfx; mc_rate_fun(x, n, p, v, f, b, &fx, &dfx);
        double step = fx / dfx, nw = x - step;
        if (!isfinite(nw) || nw <= -1.0) return mc_rate_out(x, 0.0);
        if (fabs(step) <= @TOL@ * pymax(1.0, fabs(nw))) {
            double y = nw;
            for (int j = 0; j < @POLISH_STEPS@; ++j) {
                double fy, dfy; mc_rate_fun(y, n, p, v, f, b, &fy, &dfy);
                double st = dfy != 0.0 ? fy / dfy : 0.0, y2 = y - st;
                if (!(isfinite(y2) && y2 > -1.0)) break;
                y = y2;
                if (fabs(st) <= @POLISH_DONE@ * pymax(1.0, fabs(y2))) break;
            }
            return mc_rate_out(y, 1.0);
        }
        x = nw;
    }
    return mc_rate_out(x, 0.0);
}

MC_HD double ddb(double c, double s, double life, double per, double factor) {
    double rt = factor / life;
    double keep = 1.0 - pymin(rt, 1.0), old;
    if (rt >= 1.0) old = per == 1.0 ? c : 0.0;
    else old = c * pow(keep, per - 1.0);
    double nw = c * pow(keep, per);
    return pymax(nw < s ? old - s : old - nw, 0.0);
}
/* ---- end of calendar and annuities */
"""

CALENDAR_RUNTIME = (_BODY.replace("@CIVIL@", CIVIL_RUNTIME)
                    .replace("@MONTHS_MAX@", str(int(_MONTHS_MAX)))
                    .replace("@EPOCH@", str(int(_EPOCH_1970)))
                    .replace("@RATE_ITER@", str(int(_RATE_ITER)))
                    .replace("@TOL@", repr(float(_TOL)))
                    .replace("@POLISH_STEPS@", str(int(_POLISH_STEPS)))
                    .replace("@POLISH_DONE@", repr(float(_POLISH_DONE))))
