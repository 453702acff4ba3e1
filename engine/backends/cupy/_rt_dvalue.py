"""CUDA twin of :mod:`..numba._rt_dvalue`: text made per trial read as a number exactly as
the numpy reference reads it (``dnum``: to_number, VALUE's to_number_ext, parse_number;
``dnumbervalue``: NUMBERVALUE).  C++ source included by the generated kernel after
:data:`._rt.RUNTIME` and :data:`._rt_dtext.DTEXT_RUNTIME` (it uses their ``MC_NAN``,
``dec_float``, ``MC_NI``); every helper is a template over the text buffer's element type
(the kernel's ``unsigned char``, ``double`` in the tests).  The strptime format table and
month names are the numba module's, written as C arrays.
"""

from __future__ import annotations

from ..numba._rt_dvalue import ABBR, FORMATS, FULL, KERNEL_NAMES, MAX_TOKENS, T_LIT

__all__ = ["DVALUE_NAMES", "DVALUE_RUNTIME"]

DVALUE_NAMES: tuple[str, ...] = tuple(KERNEL_NAMES)


def _table(name: str, rows: object) -> str:
    flat = ", ".join(str(int(x)) for x in rows.ravel())  # type: ignore[attr-defined]
    return (f"#ifdef __CUDACC__\n__constant__ int {name}[] = {{{flat}}};\n#else\n"
            f"static const int {name}[] = {{{flat}}};\n#endif\n")


_TABLES = (_table("mc_dv_formats", FORMATS) + _table("mc_dv_abbr", ABBR)
           + _table("mc_dv_full", FULL)
           + f"#define MC_DV_NFMT {FORMATS.shape[0]}\n#define MC_DV_ROW {FORMATS.shape[1]}\n"
           + f"#define MC_DV_MAXTOK {MAX_TOKENS}\n#define MC_DV_LIT {T_LIT}\n")

DVALUE_RUNTIME = "/* ------------------------------------------------ text read as a number (numba/_rt_dvalue.py) */\n" \
    + _TABLES + r"""
MC_HD bool mc_dv_sp(double c) { return c == 32.0 || (9.0 <= c && c <= 13.0) || (28.0 <= c && c <= 31.0); }
MC_HD bool mc_dv_fsp(double c) { return c == 32.0 || (9.0 <= c && c <= 13.0); }
MC_HD bool mc_dv_dig(double c) { return 48.0 <= c && c <= 57.0; }
MC_HD double mc_dv_low(double c) { return (65.0 <= c && c <= 90.0) ? c + 32.0 : c; }

template <class C> MC_HD void mc_dv_strip(const C *z, int *a, int *b) {
    while (*a < *b && mc_dv_sp((double)z[*a])) ++*a;
    while (*b > *a && mc_dv_sp((double)z[*b - 1])) --*b;
}
template <class C> MC_HD int mc_dv_run(const C *z, int i, int b) {
    while (i < b && mc_dv_dig((double)z[i])) ++i;
    return i;
}
template <class C> MC_HD long long mc_dv_int(const C *z, int a, int b) {
    long long v = 0;
    for (int j = a; j < b; ++j) if (mc_dv_dig((double)z[j])) v = v * 10 + ((int)z[j] - 48);
    return v;
}
template <class C> MC_HD int mc_dv_skip(const C *z, int j, int b, bool commas) {
    while (commas && j < b && (double)z[j] == 44.0) ++j;
    return j;
}

/* Python's digitpart at z[i:e] added to the mantissa q * 10**scale; returns its end */
template <class C> MC_HD int mc_dv_digitpart(const C *z, int i, int e, bool commas, long long *q,
                                             int *nq, int *scale, bool *sticky, bool frac, int *seen) {
    *seen = 0;
    while (i < e) {
        double c = (double)z[i];
        if (mc_dv_dig(c)) {
            int d = (int)c - 48;
            ++*seen;
            if (*nq < 18) {
                if (*q != 0 || d != 0) { *q = *q * 10 + d; ++*nq; }
                if (frac) --*scale;
            } else {
                if (!frac) ++*scale;
                *sticky = *sticky || d != 0;
            }
            i = mc_dv_skip(z, i + 1, e, commas);
        } else if (c == 95.0 && *seen > 0) {
            int k = mc_dv_skip(z, i + 1, e, commas);
            if (k < e && mc_dv_dig((double)z[k])) i = k; else break;
        } else break;
    }
    return i;
}

/* Python's float() of z[a:b] (commas left out where ``commas``): NaN where it raises, for nan
   and for inf */
template <class C> MC_NI double mc_dv_pyfloat(const C *z, int a, int b, bool commas) {
    int i = mc_dv_skip(z, a, b, commas);
    while (i < b && mc_dv_fsp((double)z[i])) i = mc_dv_skip(z, i + 1, b, commas);
    int e = b;
    while (e > i && ((commas && (double)z[e - 1] == 44.0) || mc_dv_fsp((double)z[e - 1]))) --e;
    bool neg = false;
    if (i < e && ((double)z[i] == 43.0 || (double)z[i] == 45.0)) {
        neg = (double)z[i] == 45.0;
        i = mc_dv_skip(z, i + 1, e, commas);
    }
    long long q = 0;
    int nq = 0, scale = 0, n1 = 0, n2 = 0;
    bool sticky = false;
    i = mc_dv_digitpart(z, i, e, commas, &q, &nq, &scale, &sticky, false, &n1);
    if (i < e && (double)z[i] == 46.0) {
        i = mc_dv_skip(z, i + 1, e, commas);
        i = mc_dv_digitpart(z, i, e, commas, &q, &nq, &scale, &sticky, true, &n2);
    }
    if (n1 + n2 == 0) return MC_NAN;
    int ex = 0;
    if (i < e && ((double)z[i] == 69.0 || (double)z[i] == 101.0)) {
        i = mc_dv_skip(z, i + 1, e, commas);
        bool eneg = false;
        if (i < e && ((double)z[i] == 43.0 || (double)z[i] == 45.0)) {
            eneg = (double)z[i] == 45.0;
            i = mc_dv_skip(z, i + 1, e, commas);
        }
        int nd = 0;
        while (i < e) {
            double c = (double)z[i];
            if (mc_dv_dig(c)) {
                if (ex < 100000) ex = ex * 10 + (int)c - 48;
                ++nd;
                i = mc_dv_skip(z, i + 1, e, commas);
            } else if (c == 95.0 && nd > 0) {
                int k = mc_dv_skip(z, i + 1, e, commas);
                if (k < e && mc_dv_dig((double)z[k])) i = k; else break;
            } else break;
        }
        if (nd == 0) return MC_NAN;
        if (eneg) ex = -ex;
    }
    if (i != e) return MC_NAN;
    double x = dec_float(q, scale + ex, sticky);
    if (isinf(x)) return MC_NAN;
    return neg ? -x : x;
}

/* engine.values.parse_number of z[a:b]; NaN for None */
template <class C> MC_NI double mc_dv_parse_number(const C *z, int a, int b) {
    mc_dv_strip(z, &a, &b);
    if (a >= b) return MC_NAN;
    bool pct = (double)z[b - 1] == 37.0;
    if (pct) { --b; mc_dv_strip(z, &a, &b); }
    int last = -1, cut = b;
    for (int j = a; j < b; ++j) {
        double c = (double)z[j];
        if (c == 44.0) last = j;
        else if (cut == b && (c == 46.0 || c == 69.0 || c == 101.0)) cut = j;
    }
    bool commas = 0 <= last && last < cut;   /* group separators of the integer part only */
    int s = mc_dv_skip(z, a, b, commas);
    if (s < b && ((double)z[s] == 43.0 || (double)z[s] == 45.0)) {
        int p = mc_dv_skip(z, s + 1, b, commas);
        if (p < b && (double)z[p] == 36.0) {   /* "-$5": float() of the sign and the rest */
            int q = mc_dv_skip(z, p + 1, b, commas);
            if (q < b && (mc_dv_fsp((double)z[q]) || (double)z[q] == 43.0
                          || (double)z[q] == 45.0)) return MC_NAN;
            double x = mc_dv_pyfloat(z, q, b, commas);
            if ((double)z[s] == 45.0) x = -x;
            return pct ? x / 100.0 : x;
        }
    }
    if (s < b && (double)z[s] == 36.0) ++s;
    double x = mc_dv_pyfloat(z, s, b, commas);
    return pct ? x / 100.0 : x;
}

MC_HD long long mc_dv_days(long long y, long long m, long long d) {
    y -= m <= 2 ? 1 : 0;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}
MC_HD long long mc_dv_mdays(long long y, long long m) {
    if (m == 2) return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
    return (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
}
MC_HD bool mc_dv_valid(long long y, long long m, long long d) {
    return 1 <= y && y <= 9999 && 1 <= m && m <= 12 && 1 <= d && d <= mc_dv_mdays(y, m);
}
MC_HD double mc_dv_serial_of(long long y, long long m, long long d, double shift) {
    if (!mc_dv_valid(y, m, d)) return (y == 1900 && m == 2 && d == 29) ? 60.0 : MC_NAN;
    long long s = mc_dv_days(y, m, d) + 25569;
    return (double)(s <= 60 ? s - 1 : s) - shift;
}

/* float() of digits with at most one point */
template <class C> MC_HD double mc_dv_decimal(const C *z, int a, int b) {
    long long q = 0;
    int nq = 0, scale = 0;
    bool sticky = false, frac = false;
    for (int j = a; j < b; ++j) {
        double c = (double)z[j];
        if (c == 46.0) { frac = true; continue; }
        int d = (int)c - 48;
        if (nq < 18) {
            if (q != 0 || d != 0) { q = q * 10 + d; ++nq; }
            if (frac) --scale;
        } else {
            if (!frac) ++scale;
            sticky = sticky || d != 0;
        }
    }
    return dec_float(q, scale, sticky);
}

/* [ap]m at z[i:]: 1 am, 2 pm, 0 neither */
template <class C> MC_HD int mc_dv_ampm(const C *z, int i, int b) {
    if (i + 1 < b && mc_dv_low((double)z[i + 1]) == 109.0) {
        double c = mc_dv_low((double)z[i]);
        if (c == 97.0) return 1;
        if (c == 112.0) return 2;
    }
    return 0;
}

/* :mm(:ss(.d*))? \s* ([ap]m)? then the end, at z[i:] */
template <class C> MC_HD bool mc_dv_clock(const C *z, int i, int b, long long *mm, double *ss, int *ap) {
    *mm = 0; *ss = 0.0; *ap = 0;
    if (!(i + 2 < b && (double)z[i] == 58.0 && mc_dv_dig((double)z[i + 1]) && mc_dv_dig((double)z[i + 2])))
        return false;
    *mm = mc_dv_int(z, i + 1, i + 3);
    i += 3;
    if (i < b && (double)z[i] == 58.0) {
        if (!(i + 2 < b && mc_dv_dig((double)z[i + 1]) && mc_dv_dig((double)z[i + 2]))) return false;
        int s0 = i + 1;
        i += 3;
        if (i < b && (double)z[i] == 46.0) i = mc_dv_run(z, i + 1, b);
        *ss = mc_dv_decimal(z, s0, i);
    }
    while (i < b && mc_dv_sp((double)z[i])) ++i;
    *ap = mc_dv_ampm(z, i, b);
    if (*ap) i += 2;
    return i == b;
}

/* engine.functions._scalars.parse_time_text of stripped z[a:b] */
template <class C> MC_HD double mc_dv_time_text(const C *z, int a, int b) {
    int e = mc_dv_run(z, a, b);
    if (e == a || e - a > 4) return MC_NAN;
    long long h = mc_dv_int(z, a, e), mm = 0;
    double ss = 0.0;
    int ap = 0;
    bool ok;
    if (e < b && (double)z[e] == 58.0) ok = mc_dv_clock(z, e, b, &mm, &ss, &ap);
    else {
        int i = e;
        while (i < b && mc_dv_sp((double)z[i])) ++i;
        ap = mc_dv_ampm(z, i, b);
        ok = ap != 0 && i + 2 == b;
    }
    if (!ok || mm > 59 || ss >= 60.0 || (ap != 0 && h > 12)) return MC_NAN;
    if (ap != 0) h = h % 12 + (ap == 2 ? 12 : 0);
    return ((double)(h * 3600 + mm * 60) + ss) / 86400.0;
}

template <class C> MC_HD int mc_dv_month(const C *z, int i) {
    for (int r = 0; r < 12; ++r)
        if (mc_dv_low((double)z[i]) == mc_dv_abbr[r * 12 + 2] && mc_dv_low((double)z[i + 1]) == mc_dv_abbr[r * 12 + 3]
            && mc_dv_low((double)z[i + 2]) == mc_dv_abbr[r * 12 + 4]) return r + 1;
    return 0;
}
template <class C> MC_HD int mc_dv_letters(const C *z, int i, int b) {
    while (i < b && 97.0 <= mc_dv_low((double)z[i]) && mc_dv_low((double)z[i]) <= 122.0) ++i;
    return i;
}
MC_HD bool mc_dv_dash(double c) { return c == 45.0 || c == 47.0; }

/* engine.functions._scalars.parse_date_text of z[a:b] */
template <class C> MC_NI double mc_dv_date_text(const C *z, int a, int b, double shift) {
    mc_dv_strip(z, &a, &b);
    long long y = 0, m = 0, d = 0;
    int form = 0, i = a;
    int e1 = mc_dv_run(z, a, b);
    if (e1 > a) {
        if (e1 - a == 4 && e1 < b && mc_dv_dash((double)z[e1])) {
            int e2 = mc_dv_run(z, e1 + 1, b);
            if (1 <= e2 - e1 - 1 && e2 - e1 - 1 <= 2 && e2 < b && mc_dv_dash((double)z[e2])) {
                int e3 = mc_dv_run(z, e2 + 1, b);
                if (1 <= e3 - e2 - 1 && e3 - e2 - 1 <= 2) {
                    y = mc_dv_int(z, a, e1); m = mc_dv_int(z, e1 + 1, e2); d = mc_dv_int(z, e2 + 1, e3);
                    form = 1; i = e3;
                }
            }
        } else if (e1 - a <= 2 && e1 < b && mc_dv_dash((double)z[e1]) && e1 + 1 < b
                   && mc_dv_dig((double)z[e1 + 1])) {
            int e2 = mc_dv_run(z, e1 + 1, b);
            if (e2 - e1 - 1 <= 2 && e2 < b && mc_dv_dash((double)z[e2])) {
                int e3 = mc_dv_run(z, e2 + 1, b);
                if (2 <= e3 - e2 - 1 && e3 - e2 - 1 <= 4) {
                    m = mc_dv_int(z, a, e1); d = mc_dv_int(z, e1 + 1, e2); y = mc_dv_int(z, e2 + 1, e3);
                    if (m > 12 && d <= 12) { long long t = m; m = d; d = t; }
                    form = 2; i = e3;
                }
            }
        } else if (e1 - a <= 2 && e1 < b && ((double)z[e1] == 32.0 || (double)z[e1] == 45.0)) {
            int e2 = mc_dv_letters(z, e1 + 1, b);
            if (e2 - e1 - 1 >= 3) {
                int k = e2;
                while (k < b && ((double)z[k] == 32.0 || (double)z[k] == 44.0 || (double)z[k] == 45.0)) ++k;
                int e3 = mc_dv_run(z, k, b);
                if (k > e2 && 2 <= e3 - k && e3 - k <= 4) {
                    d = mc_dv_int(z, a, e1); m = mc_dv_month(z, e1 + 1); y = mc_dv_int(z, k, e3);
                    form = 3; i = e3;
                }
            }
        }
    } else {
        int e2 = mc_dv_letters(z, a, b);
        if (e2 - a >= 3 && e2 < b && ((double)z[e2] == 32.0 || (double)z[e2] == 45.0)) {
            int e3 = mc_dv_run(z, e2 + 1, b);
            if (1 <= e3 - e2 - 1 && e3 - e2 - 1 <= 2) {
                int k = (e3 < b && (double)z[e3] == 44.0) ? e3 + 1 : e3;
                int k0 = k;
                while (k < b && ((double)z[k] == 32.0 || (double)z[k] == 45.0)) ++k;
                int e4 = mc_dv_run(z, k, b);
                if (k > k0 && 2 <= e4 - k && e4 - k <= 4) {
                    m = mc_dv_month(z, a); d = mc_dv_int(z, e2 + 1, e3); y = mc_dv_int(z, k, e4);
                    form = 4; i = e4;
                }
            }
        }
    }
    if (form != 0) {
        long long hh = -1, mm = 0;
        double ss = 0.0;
        int ap = 0;
        bool ok = i == b;
        if (!ok && mc_dv_sp((double)z[i])) {
            int j = i;
            while (j < b && mc_dv_sp((double)z[j])) ++j;
            int e = mc_dv_run(z, j, b);
            if (1 <= e - j && e - j <= 2) {
                ok = mc_dv_clock(z, e, b, &mm, &ss, &ap);
                hh = mc_dv_int(z, j, e);
            }
        }
        if (ok) {
            if (y < 100) y += y < 30 ? 2000 : 1900;
            double serial = m != 0 ? mc_dv_serial_of(y, m, d, shift) : MC_NAN;
            if (serial != serial) return MC_NAN;
            if (hh >= 0) {
                long long h = ap != 0 ? hh % 12 + (ap == 2 ? 12 : 0) : hh;
                serial += ((double)(h * 3600 + mm * 60) + ss) / 86400.0;
            }
            return serial;
        }
    }
    return mc_dv_time_text(z, a, b);
}

/* where alternative k of strptime token tok ends when it starts at t[p:] (-1: no match, -2: no
   such alternative) */
MC_HD int mc_dv_alt(const unsigned char *t, int n, int tok, int k, int p) {
    if (tok >= MC_DV_LIT) {
        if (k > 0) return -2;
        return (p < n && (int)t[p] == tok - MC_DV_LIT) ? p + 1 : -1;
    }
    if (tok == 1) {   /* \s+ */
        int r = 0;
        while (p + r < n && mc_dv_sp((double)t[p + r])) ++r;
        return k < r ? p + r - k : -2;
    }
    if (tok == 11) {  /* %f */
        int r = 0;
        while (p + r < n && r < 6 && mc_dv_dig((double)t[p + r])) ++r;
        return k < r ? p + r - k : -2;
    }
    if (tok == 13) {  /* %p */
        if (k > 1) return -2;
        if (p + 1 < n && mc_dv_low((double)t[p]) == (k == 0 ? 97.0 : 112.0) && mc_dv_low((double)t[p + 1]) == 109.0)
            return p + 2;
        return -1;
    }
    if (tok == 6 || tok == 7) {  /* %b %B */
        if (k > 11) return -2;
        const int *row = (tok == 6 ? mc_dv_abbr : mc_dv_full) + k * 12;
        int m = row[1];
        if (p + m > n) return -1;
        for (int j = 0; j < m; ++j) if (mc_dv_low((double)t[p + j]) != (double)row[2 + j]) return -1;
        return p + m;
    }
    double c0 = p < n ? (double)t[p] : -1.0, c1 = p + 1 < n ? (double)t[p + 1] : -1.0;
    bool d0 = mc_dv_dig(c0), d1 = mc_dv_dig(c1), ok;
    if (tok == 4 || tok == 5) {  /* %Y %y */
        if (k > 0) return -2;
        int w = tok == 4 ? 4 : 2;
        if (p + w > n) return -1;
        for (int j = 0; j < w; ++j) if (!mc_dv_dig((double)t[p + j])) return -1;
        return p + w;
    }
    if (tok == 2) {  /* %d */
        if (k == 0) ok = c0 == 51.0 && (c1 == 48.0 || c1 == 49.0);
        else if (k == 1) ok = (c0 == 49.0 || c0 == 50.0) && d1;
        else if (k == 2) ok = c0 == 48.0 && d1 && c1 != 48.0;
        else if (k == 3) return (d0 && c0 != 48.0) ? p + 1 : -1;
        else if (k == 4) ok = c0 == 32.0 && d1 && c1 != 48.0;
        else return -2;
        return ok ? p + 2 : -1;
    }
    if (tok == 3 || tok == 12) {  /* %m %I */
        if (k == 0) ok = c0 == 49.0 && 48.0 <= c1 && c1 <= 50.0;
        else if (k == 1) ok = c0 == 48.0 && d1 && c1 != 48.0;
        else if (k == 2) return (d0 && c0 != 48.0) ? p + 1 : -1;
        else return -2;
        return ok ? p + 2 : -1;
    }
    if (tok == 8) {  /* %H */
        if (k == 0) ok = c0 == 50.0 && 48.0 <= c1 && c1 <= 51.0;
        else if (k == 1) ok = (c0 == 48.0 || c0 == 49.0) && d1;
        else if (k == 2) return d0 ? p + 1 : -1;
        else return -2;
        return ok ? p + 2 : -1;
    }
    if (tok == 9) {  /* %M */
        if (k == 0) ok = 48.0 <= c0 && c0 <= 53.0 && d1;
        else if (k == 1) return d0 ? p + 1 : -1;
        else return -2;
        return ok ? p + 2 : -1;
    }
    /* %S */
    if (k == 0) ok = c0 == 54.0 && (c1 == 48.0 || c1 == 49.0);
    else if (k == 1) ok = 48.0 <= c0 && c0 <= 53.0 && d1;
    else if (k == 2) return d0 ? p + 1 : -1;
    else return -2;
    return ok ? p + 2 : -1;
}

/* parse_datetime's reading of t[:n] in format f: 1 (value in *x), 0 strptime raises, 2 a date
   before 1900 */
MC_NI int mc_dv_strptime(const unsigned char *t, int n, int f, double shift, double *x) {
    const int *row = mc_dv_formats + f * MC_DV_ROW;
    int count = row[MC_DV_MAXTOK];
    int start[MC_DV_MAXTOK + 1], alt[MC_DV_MAXTOK + 1];
    start[0] = 0; alt[0] = 0;
    int i = 0;
    while (i < count) {
        int e = mc_dv_alt(t, n, row[i], alt[i], start[i]);
        if (e == -2) {
            if (i == 0) return 0;
            --i;
            ++alt[i];
        } else if (e == -1) ++alt[i];
        else { start[i + 1] = e; alt[i + 1] = 0; ++i; }
    }
    if (start[count] != n) return 0;
    long long year = 1900, month = 1, day = 1, hour = 0, minute = 0, second = 0, us = 0, ihour = -1;
    int ampm = 0;
    for (int j = 0; j < count; ++j) {
        int tok = row[j], a = start[j], b = start[j + 1];
        long long v = mc_dv_int(t, a, b);
        if (tok == 4) year = v;
        else if (tok == 5) year = v + (v <= 68 ? 2000 : 1900);
        else if (tok == 3) month = v;
        else if (tok == 2) day = v;
        else if (tok == 6) month = mc_dv_abbr[alt[j] * 12];
        else if (tok == 7) month = mc_dv_full[alt[j] * 12];
        else if (tok == 8) hour = v;
        else if (tok == 12) ihour = v;
        else if (tok == 9) minute = v;
        else if (tok == 10) second = v;
        else if (tok == 11) { us = v; for (int r = 0; r < 6 - (b - a); ++r) us *= 10; }
        else if (tok == 13) ampm = alt[j] + 1;
    }
    if (ihour >= 0) {
        hour = ihour;
        if (ampm == 2) { if (hour != 12) hour += 12; }
        else if (hour == 12) hour = 0;
    }
    if (!mc_dv_valid(year, month, day) || second > 59) return 0;
    if (row[MC_DV_MAXTOK + 2] == 1 && year >= 2030) year -= 100;
    long long secs = hour * 3600 + minute * 60 + second;
    if (row[MC_DV_MAXTOK + 1] == 1) { *x = (double)(secs * 1000000 + us) / 1e6 / 86400; return 1; }
    if (year < 1900) return 2;
    long long whole = (mc_dv_days(year, month, day) + 25569) * 86400 + secs;
    double total = whole * 1000000 + us < 9007199254740992LL ? (double)(whole * 1000000 + us) / 1e6
                                                             : (double)whole + (double)us / 1e6;
    double serial = total / 86400;
    *x = (serial < 61.0 ? serial - 1.0 : serial) - shift;
    return 1;
}

/* engine.functions.text.parse_datetime of z[a:b] */
template <class C> MC_NI double mc_dv_datetime(const C *z, int a, int b, double shift) {
    unsigned char t[41];
    int n = 0;
    mc_dv_strip(z, &a, &b);
    bool digit = false;
    int j = a;
    while (j < b) {
        double c = (double)z[j];
        if (mc_dv_sp(c)) { while (j < b && mc_dv_sp((double)z[j])) ++j; c = 32.0; }
        else ++j;
        if (n == 41) return MC_NAN;
        bool ok = mc_dv_dig(c) || (97.0 <= mc_dv_low(c) && mc_dv_low(c) <= 122.0) || c == 95.0 || c == 32.0
            || c == 47.0 || c == 58.0 || c == 46.0 || c == 44.0 || c == 45.0;
        if (!ok) return MC_NAN;
        digit = digit || mc_dv_dig(c);
        t[n++] = (unsigned char)c;
    }
    if (n < 3 || n > 40 || !digit) return MC_NAN;
    /* a format's first token needs a digit (numbers) or a month's first letters (%b, %B) */
    bool month = n >= 3 && mc_dv_month(t, 0) != 0;
    for (int f = 0; f < MC_DV_NFMT; ++f) {
        int first = mc_dv_formats[f * MC_DV_ROW];
        if (!((first == 6 || first == 7) ? month : mc_dv_dig((double)t[0]))) continue;
        double x = 0.0;
        int got = mc_dv_strptime(t, n, f, shift, &x);
        if (got == 1) return x;
        if (got == 2) return MC_NAN;
    }
    return MC_NAN;
}

/* (x): -parse_number(x) */
template <class C> MC_HD double mc_dv_accounting(const C *z, int a, int b) {
    int i = a, e = b;
    while (i < b && mc_dv_sp((double)z[i])) ++i;
    while (e > i && mc_dv_sp((double)z[e - 1])) --e;
    if (!(e - i >= 3 && (double)z[i] == 40.0 && (double)z[e - 1] == 41.0)) return MC_NAN;
    for (int j = i + 1; j < e - 1; ++j) if ((double)z[j] == 10.0) return MC_NAN;
    return -mc_dv_parse_number(z, i + 1, e - 1);
}

/* z[a:b] read as a number (mode 0 to_number, 1 VALUE, 2 parse_number); NaN: #VALUE! */
template <class C> MC_NI double dnum(const C *z, double a, double b, double shift, double mode) {
    int ia = (int)a, ib = (int)b;
    double x = mc_dv_parse_number(z, ia, ib);
    if (x == x || mode == 2.0) return x;
    x = mc_dv_date_text(z, ia, ib, shift);
    if (x == x || mode == 0.0) return x;
    x = mc_dv_accounting(z, ia, ib);
    if (x == x) return x;
    return mc_dv_datetime(z, ia, ib, shift);
}

/* NUMBERVALUE(z[a:b], chr(dec), chr(group)): NaN for #VALUE!, inf for #NUM! */
template <class C> MC_NI double dnumbervalue(const C *z, double a, double b, double dec, double group) {
    if (dec == group) return MC_NAN;
    unsigned char t[300];
    int n = 0;
    for (int j = (int)a; j < (int)b && n < 300; ++j) if (!mc_dv_sp((double)z[j])) t[n++] = (unsigned char)z[j];
    if (n == 0) return 0.0;
    int pct = 0;
    while (n > 0 && t[n - 1] == 37) { --n; ++pct; }
    int lo = 0;
    bool neg = n >= 2 && t[0] == 40 && t[n - 1] == 41;
    if (neg) {
        lo = 1; n -= 1;
        while (n > lo && t[n - 1] == 37) { --n; ++pct; }
        if (n > lo && (t[lo] == 43 || t[lo] == 45)) return MC_NAN;
    }
    int at = -1;
    for (int j = lo; j < n; ++j)
        if ((double)t[j] == dec) { if (at >= 0) return MC_NAN; at = j; }
    if (at >= 0) for (int j = at + 1; j < n; ++j) if ((double)t[j] == group) return MC_NAN;
    int w = lo;
    for (int j = lo; j < (at < 0 ? n : at); ++j) if ((double)t[j] != group) t[w++] = t[j];
    if (at >= 0) { t[w++] = 46; for (int j = at + 1; j < n; ++j) t[w++] = t[j]; }
    int i = lo;
    if (i < w && (t[i] == 43 || t[i] == 45)) ++i;
    int e1 = mc_dv_run(t, i, w), digits = e1 - i, k = e1;
    if (k < w && t[k] == 46) { int e2 = mc_dv_run(t, k + 1, w); digits += e2 - k - 1; k = e2; }
    if (k < w && (t[k] == 69 || t[k] == 101)) {
        int j = k + 1;
        if (j < w && (t[j] == 43 || t[j] == 45)) ++j;
        int e3 = mc_dv_run(t, j, w);
        if (e3 == j) return MC_NAN;
        k = e3;
    }
    if (k != w || digits == 0) return MC_NAN;
    double x = mc_dv_pyfloat(t, lo, w, false);
    if (x != x) x = t[lo] == 45 ? -INFINITY : INFINITY;
    if (neg) x = -x;
    double p = 1.0;
    if (pct <= 11) for (int r = 0; r < pct; ++r) p *= 100.0;
    else p = pow(100.0, (double)pct);
    return x / p;
}
/* engine.values.to_bool of the text z[a:b]: 1 TRUE, 0 FALSE (any case, stripped), NaN otherwise */
template <class C> MC_HD double dbool(const C *z, double a, double b) {
    int ia = (int)a, ib = (int)b;
    mc_dv_strip(z, &ia, &ib);
    int n = ib - ia;
    const char *word = n == 4 ? "true" : n == 5 ? "false" : 0;
    if (!word) return MC_NAN;
    for (int j = 0; j < n; ++j) if (mc_dv_low((double)z[ia + j]) != (double)word[j]) return MC_NAN;
    return n == 4 ? 1.0 : 0.0;
}
/* ------------------------------------------------ end of text read as a number */
"""
