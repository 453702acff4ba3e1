"""Runtime of the kernels' dynamic arrays (FILTER, UNIQUE, SORT and what reads them): the
numpy library's engine.functions.dynamic for one trial, compiled by numba.

An array is three float64 scratch arrays of one trial (values, error codes, kinds as
engine.backends.numba._values.TAG numbers: 0 number, 1 logical, 2 text id, 3 blank) laid out
row by row, ``w`` values a row, and its number of rows this trial (a float: the generator's
locals are floats).  Errors are codes (0: none).  Each function writes its result into the
output arrays it is given and returns the number of rows (or the value it computes).
"""

from __future__ import annotations

import math

from numba import njit

from ...values import DIV0, NA, NUM, REF, VALUE
from ._dtext_rt import dput_id, dput_num, dput_tab
from ._rt import cmp15
from ._rt_collation import dcoll

KERNEL_NAMES = ("da_filter", "da_unique", "da_sort", "da_ifs", "da_agg", "da_kth", "da_pick",
                "da_match", "da_tkeys", "da_kept", "da_iferror", "da_cmpcol", "da_cmparr",
                "da_comb", "da_error", "da_textjoin", "da_take", "da_filter_row",
                "da_rekey", "da_vstack", "da_cols", "da_cmpval", "da_choose_col",
                "da_neg", "da_keycol", "da_sortby", "da_tcoll")

# da_agg's aggregates (VAR/STDEV: sample (S) and population (P))
SUM, MIN, MAX, COUNT, COUNTA, AVERAGE, PRODUCT, VAR_S, VAR_P, STDEV_S, STDEV_P = range(11)
# da_ifs' aggregates
IF_SUM, IF_COUNT, IF_AVERAGE = range(3)
# da_cmpcol's comparisons (number OP column) and how a flag joins the flags held (da_comb)
CMP_OPS = {"=": 0, "<>": 1, "<": 2, "<=": 3, ">": 4, ">=": 5}
SET, TIMES, PLUS = range(3)

_jit = njit(nogil=True, cache=True)


@_jit
def _copy_row(sv, se, st, src, ov, oe, ot, dst, w):
    for j in range(w):
        ov[dst * w + j] = sv[src * w + j]
        oe[dst * w + j] = se[src * w + j]
        ot[dst * w + j] = st[src * w + j]


@_jit
def da_filter(sv, se, st, m, w, fv, fe, ov, oe, ot, xv, xe, xt):
    """FILTER of m rows of w values by one flag a row (its logical value and error): the
    kept rows in order; a flag's error is not kept and the first one replaces the first
    value; no row kept gives one row whose first value is if_empty (x*)."""
    rows = 0
    err = 0.0
    for i in range(int(m)):
        if fe[i] != 0.0:
            if err == 0.0:
                err = fe[i]
            continue
        if fv[i] != 0.0:
            _copy_row(sv, se, st, i, ov, oe, ot, rows, w)
            rows += 1
    if rows == 0:
        ov[0], oe[0], ot[0] = xv, xe, xt
        if err != 0.0:     # nothing kept and a flag's error: that error (not if_empty)
            ov[0], oe[0], ot[0] = 0.0, err, 0.0
        for j in range(1, w):
            ov[j], oe[j], ot[j] = 0.0, 0.0, 3.0
        return 1.0
    if err != 0.0:
        ov[0], oe[0], ot[0] = 0.0, err, 0.0
    return float(rows)


@_jit
def _same_row(sk, se, st, a, b, w):
    """engine.functions.dynamic._key of rows a and b alike: errors by code, numbers and
    blanks (as 0) by value, logicals, text by its case-folded id (``sk``: the keys)."""
    for j in range(w):
        p, q = a * w + j, b * w + j
        if se[p] != 0.0 or se[q] != 0.0:
            if se[p] != se[q]:
                return False
            continue
        cp = 0.0 if st[p] == 3.0 else st[p]
        cq = 0.0 if st[q] == 3.0 else st[q]
        if cp != cq or sk[p] != sk[q]:
            return False
    return True


@_jit
def da_unique(sv, se, st, sk, n, w, once, ov, oe, ot):
    """UNIQUE of n rows of w values (``sk``: the values as compared): the first row of each
    distinct key in order (``once``: only the keys seen once); none: one #VALUE! row."""
    rows = 0
    m = int(n)
    for i in range(m):
        first = True
        for p in range(i):
            if _same_row(sk, se, st, p, i, w):
                first = False
                break
        if not first:
            continue
        if once:
            again = False
            for q in range(i + 1, m):
                if _same_row(sk, se, st, i, q, w):
                    again = True
                    break
            if again:
                continue
        _copy_row(sv, se, st, i, ov, oe, ot, rows, w)
        rows += 1
    if rows == 0:
        ov[0], oe[0], ot[0] = 0.0, float(VALUE), 0.0
        for j in range(1, w):
            ov[j], oe[j], ot[j] = 0.0, 0.0, 3.0
        return 1.0
    return float(rows)


@_jit
def _rank(oe, ot, p):
    """SORT's classes: numbers, text, logicals, errors (all alike); blanks: 4 (last)."""
    if oe[p] != 0.0:
        return 3.0
    t = ot[p]
    return 0.0 if t == 0.0 else 1.0 if t == 2.0 else 2.0 if t == 1.0 else 4.0


@_jit
def _before(ok, oe, ot, a, b, desc):
    """Whether row key a sorts strictly before key b (``ok``: numbers, logicals, text as
    its rank among the array's case-folded strings); blanks last in either order."""
    ra, rb = _rank(oe, ot, a), _rank(oe, ot, b)
    if ra == 4.0 or rb == 4.0:
        return rb == 4.0 and ra != 4.0
    if ra != rb:
        return (ra > rb) if desc else (ra < rb)
    if ra == 3.0:
        return False
    return (ok[a] > ok[b]) if desc else (ok[a] < ok[b])


@_jit
def da_sort(sv, se, st, sk, n, w, col, desc, ov, oe, ot, ok):
    """SORT of n rows of w values on column ``col`` (engine.functions.arrays.sort): a stable
    sort, keys as _before orders them (``sk``: the keys, copied along into ``ok``)."""
    m = int(n)
    c0 = int(col)
    for i in range(m):
        _copy_row(sv, se, st, i, ov, oe, ot, i, w)
        for j in range(w):
            ok[i * w + j] = sk[i * w + j]
    for i in range(1, m):   # insertion sort of whole rows: stable
        j = i
        while j > 0 and _before(ok, oe, ot, j * w + c0, (j - 1) * w + c0, desc):
            for c in range(w):
                a, b = j * w + c, (j - 1) * w + c
                ov[a], ov[b] = ov[b], ov[a]
                oe[a], oe[b] = oe[b], oe[a]
                ot[a], ot[b] = ot[b], ot[a]
                ok[a], ok[b] = ok[b], ok[a]
            j -= 1
    return float(m)


@_jit
def da_ifs(cv, ce, ct, n, rv, re, rt, rx, sv, se, st, m, how, ov, oe, ot):
    """SUMIF/COUNTIF/AVERAGEIF with one criterion a row (numbers, blanks as 0, logicals and
    errors; engine.functions._criteria): for each, the range's m cells that meet it (a
    number equal to it, or text reading as it: ``rx``), and the sum range's numbers there
    (its errors there, first one kept)."""
    for i in range(int(n)):
        c, cerr, ck = cv[i], ce[i], ct[i]
        if ck == 3.0:
            c, ck = 0.0, 0.0
        total = 0.0
        counted = 0.0
        err = 0.0
        for j in range(int(m)):
            if cerr != 0.0:
                hit = re[j] == cerr
            elif re[j] != 0.0:
                hit = False
            elif ck == 0.0:
                hit = (rt[j] == 0.0 and rv[j] == c) or (rt[j] == 2.0 and rx[j] == c)
            else:
                hit = rt[j] == 1.0 and rv[j] == c
            if not hit:
                continue
            if how == IF_COUNT:
                counted += 1.0
                continue
            if se[j] != 0.0:
                if err == 0.0:
                    err = se[j]
                continue
            if st[j] == 0.0:
                total += sv[j]
                counted += 1.0
        ov[i], ot[i] = 0.0, 0.0
        if how == IF_COUNT:
            ov[i], oe[i] = counted, 0.0
        elif how == IF_SUM:
            ov[i], oe[i] = total, err
        else:
            oe[i] = err if err != 0.0 else (float(DIV0) if counted == 0.0 else 0.0)
            ov[i] = total / counted if oe[i] == 0.0 else 0.0
        if oe[i] == 0.0 and not math.isfinite(ov[i]):
            ov[i], oe[i] = 0.0, float(NUM)
    return float(n)


@_jit
def _da_variance(sv, st, n, total, cnt, how):
    """engine.functions.stats._var of an array's numbers (no error among them): the squared
    deviations from the mean (``total`` / ``cnt``) added in order, over cnt - ddof, never
    below 0, its root for STDEV; -1.0 where cnt <= ddof (#DIV/0!)."""
    ddof = 1.0 if how == VAR_S or how == STDEV_S else 0.0
    if cnt <= ddof:
        return -1.0
    mean = total / cnt
    ss = 0.0
    for i in range(int(n)):
        if st[i] == 0.0:
            d = sv[i] - mean
            ss += d * d
    v = ss / (cnt - ddof)
    if v < 0.0:
        v = 0.0
    return math.sqrt(v) if how == STDEV_S or how == STDEV_P else v


@_jit
def da_agg(sv, se, st, n, how):
    """SUM ... AVERAGE, VAR/STDEV of an array (engine.functions._args.numeric_columns: only
    its numbers, its first error wins): (value, error code)."""
    acc = 1.0 if how == PRODUCT else 0.0
    cnt = 0.0
    lo, hi = math.inf, -math.inf
    for i in range(int(n)):
        if se[i] != 0.0:
            if how == COUNT or how == COUNTA:
                cnt += 1.0 if how == COUNTA else 0.0
                continue
            return 0.0, se[i]
        if how == COUNTA:
            cnt += 1.0 if st[i] != 3.0 else 0.0
            continue
        if st[i] != 0.0:
            continue
        x = sv[i]
        cnt += 1.0
        if how == PRODUCT:
            acc *= x
        else:
            acc += x
        lo, hi = min(lo, x), max(hi, x)
    if how == COUNT or how == COUNTA:
        return cnt, 0.0
    if how == MIN:
        acc = lo if cnt > 0.0 else 0.0
    elif how == MAX:
        acc = hi if cnt > 0.0 else 0.0
    elif how == AVERAGE:
        if cnt == 0.0:
            return 0.0, float(DIV0)
        acc = acc / cnt
    elif how == PRODUCT and cnt == 0.0:
        acc = 0.0
    elif how >= VAR_S:
        acc = _da_variance(sv, st, n, acc, cnt, how)
        if acc < 0.0:   # fewer numbers than the degrees of freedom need
            return 0.0, float(DIV0)
    if not math.isfinite(acc):
        return 0.0, float(NUM)
    return acc, 0.0


@_jit
def da_kth(sv, se, st, n, z, k, large):
    """LARGE/SMALL of an array at k (whole, valid: checked by the caller against the count
    returned as the third value): (value, first error, count of numbers)."""
    cnt = 0
    for i in range(int(n)):
        if se[i] != 0.0:
            return 0.0, se[i], 0.0
        if st[i] == 0.0:
            z[cnt] = sv[i]
            cnt += 1
    if cnt == 0 or not (1.0 <= k <= cnt):
        return 0.0, 0.0, float(cnt)
    z[:cnt].sort()
    j = cnt - int(k) if large else int(k) - 1
    return z[j], 0.0, float(cnt)


@_jit
def da_pick(sv, se, st, n, w, r, c):
    """Value (r, c) of the array, 0-based (value, error, tag); past its rows: #REF!."""
    if not (0.0 <= r < n and 0.0 <= c < w):
        return 0.0, float(REF), 0.0
    p = int(r) * w + int(c)
    return sv[p], se[p], st[p]


@_jit
def da_match(sv, se, st, n, key, ktag):
    """MATCH(key, array, 0) of a number or a logical key (blank: 0): the first value of the
    same kind equal to it (1-based), else #N/A: (position, error)."""
    if ktag == 3.0:
        key, ktag = 0.0, 0.0
    for i in range(int(n)):
        if se[i] == 0.0 and st[i] == ktag and sv[i] == key:
            return float(i + 1), 0.0
    return 0.0, float(NA)


@_jit
def _tcmp(z, ps, pe, a, b):
    return dcoll(z, ps[a], pe[a], ps[b], pe[b])


@_jit
def da_tcoll(z, a, b, c, d):
    """-1, 0 or 1: text z[a:b] against z[c:d] in Excel's order (``<`` of texts made per
    trial; ._rt_collation)."""
    return dcoll(z, a, b, c, d)


@_jit
def da_tkeys(z, ps, pe, se, st, sk, m, tmp):
    """The keys of an array's text values made per trial (each written at z[ps[p]:pe[p]]):
    its rank among the array's distinct texts this trial in Excel's order (case aside,
    hyphens ignored: ._rt_collation.dcoll), as UNIQUE and SORT compare text; numbers,
    logicals, blanks and errors keep their keys.  ``tmp``: 2 m floats (a stable merge sort of the text positions)."""
    cnt = 0
    for p in range(int(m)):
        if st[p] == 2.0 and se[p] == 0.0:
            tmp[cnt] = p
            cnt += 1
    src, dst = 0, int(m)
    width = 1
    while width < cnt:
        i = 0
        while i < cnt:
            mid, hi = min(i + width, cnt), min(i + 2 * width, cnt)
            a, b, k = i, mid, i
            while k < hi:
                if b >= hi or (a < mid and _tcmp(z, ps, pe, int(tmp[src + b]),
                                                 int(tmp[src + a])) >= 0.0):
                    tmp[dst + k] = tmp[src + a]
                    a += 1
                else:
                    tmp[dst + k] = tmp[src + b]
                    b += 1
                k += 1
            i += 2 * width
        src, dst = dst, src
        width *= 2
    rank = -1.0
    prev = -1
    for j in range(cnt):
        p = int(tmp[src + j])
        if prev < 0 or _tcmp(z, ps, pe, prev, p) != 0.0:
            rank += 1.0
        sk[p] = rank
        prev = p
    return float(cnt)


@_jit
def da_kept(fv, fe, m):
    """How many of FILTER's m rows are kept (a flag true, not an error): 0 where its result
    is if_empty or a flag's error alone (numpy's value then fills every cell of the spill)."""
    kept = 0.0
    for i in range(int(m)):
        if fe[i] == 0.0 and fv[i] != 0.0:
            kept += 1.0
    return kept


@_jit
def da_iferror(sv, se, st, n, w, na_only, ov, oe, ot, xv, xe, xt):
    """IFERROR (IFNA where ``na_only``) of each of the n rows of w values: an error (#N/A
    only for IFNA) replaced by the fallback (x*), the rest as it is (blanks stay blank, as
    engine.functions.logical.iferror of a Grid's cells); returns n."""
    for i in range(int(n) * w):
        if se[i] != 0.0 and (na_only == 0.0 or se[i] == NA):
            ov[i], oe[i], ot[i] = xv, xe, xt
        else:
            ov[i], oe[i], ot[i] = sv[i], se[i], st[i]
    return n


@_jit
def _flag(c, op):
    """Whether a comparison gave ``c`` (cmp15's -1, 0, 1) meets OP (CMP_OPS)."""
    if op == 0.0:
        return c == 0.0
    if op == 1.0:
        return c != 0.0
    if op == 2.0:
        return c < 0.0
    if op == 3.0:
        return c <= 0.0
    if op == 4.0:
        return c > 0.0
    return c >= 0.0


@_jit
def _put_flag(out, oute, i, f, e, how):
    """Row i's flag ``f`` (error ``e``) put (SET), multiplied in (TIMES) or added (PLUS);
    the error of the conditions before it first."""
    if how == SET:
        out[i], oute[i] = f, e
        return
    out[i] = out[i] * f if how == TIMES else out[i] + f
    if oute[i] == 0.0:
        oute[i] = e


@_jit
def da_cmpcol(out, oute, kv, off, m, x, xe, xk, op, how):
    """FILTER's flag of each of m rows: number ``x`` (error ``xe``; ``xk``: x is text or a
    logical, above every number, as engine.functions.operators orders kinds) OP the row's
    constant
    kv[off + i] (compared at 15 digits, cmp15; 1.0 or 0.0) put in ``out`` (SET), or
    multiplying (TIMES: ``*`` of conditions) or added to (PLUS: ``+``) what it holds, the
    errors in ``oute`` alike; returns m."""
    for i in range(int(m)):
        f = 1.0 if _flag(1.0 if xk != 0.0 else cmp15(x, kv[int(off) + i]), op) else 0.0
        _put_flag(out, oute, i, f, xe, how)
    return m


@_jit
def da_cmparr(out, oute, sv, se, m, x, xe, xk, op, how, xleft):
    """As da_cmpcol, the rows' numbers made per trial (``sv``, errors ``se``); a row's error
    that of the comparison's left operand first (``xleft``: x is on the left)."""
    for i in range(int(m)):
        if xleft != 0.0:
            e = xe if xe != 0.0 else se[i]
        else:
            e = se[i] if se[i] != 0.0 else xe
        f = 1.0 if e == 0.0 and _flag(1.0 if xk != 0.0 else cmp15(x, sv[i]), op) else 0.0
        _put_flag(out, oute, i, f, e, how)
    return m


@_jit
def da_comb(out, oute, a, ae, m, how):
    """``out`` times (TIMES) or plus (PLUS) ``a``, row by row, over m rows, the errors of
    ``out`` first; returns m."""
    for i in range(int(m)):
        _put_flag(out, oute, i, a[i], ae[i], how)
    return m


@_jit
def da_error(se, n):
    """The first error code of n values (0.0: none)."""
    for i in range(int(n)):
        if se[i] != 0.0:
            return se[i]
    return 0.0


@_jit
def da_textjoin(z, pos, sv, se, st, n, kv, off, nids, soff, slen, ign):
    """TEXTJOIN of the n values of an array at z[pos:] (engine.functions.text.textjoin of
    the trial's values): text ids (their code points by the kv table at ``off``, of
    ``nids`` ids) and numbers in General format, blanks as ""; the delimiter (kv[soff:],
    ``slen`` code points) before each value kept after the first; where ``ign``, empty
    texts are left out.  A value with an error writes nothing (the join's error is
    da_error's: its text is never read).  Returns the end."""
    p = pos
    first = True
    for i in range(int(n)):
        if se[i] != 0.0:
            continue
        start = p
        if not first:
            p = dput_tab(z, p, kv, soff, slen)
        body = p
        if st[i] == 2.0:
            p = dput_id(z, p, kv, off, sv[i], nids)
        elif st[i] == 0.0:
            p = dput_num(z, p, sv[i])
        if ign != 0.0 and p == body:
            p = start
            continue
        first = False
    return p


@_jit
def da_take(sv, se, st, idx, n, w, ov, oe, ot):
    """Rows idx[0], ..., idx[n - 1] of an array of w values a row, in that order (a map of
    a SORT result: its source's rows mapped, taken in the sort's order); returns n."""
    for i in range(int(n)):
        _copy_row(sv, se, st, int(idx[i]), ov, oe, ot, i, w)
    return n


@_jit
def da_filter_row(sv, se, st, m, w, fv, fe, ov, oe, ot, xv, xe, xt):
    """FILTER whose if_empty is one row of w values (x*: arrays): as da_filter, and that row
    where it keeps nothing and no flag is an error (numpy's result is then that row)."""
    n = da_filter(sv, se, st, m, w, fv, fe, ov, oe, ot, xv[0], xe[0], xt[0])
    if da_kept(fv, fe, m) == 0.0 and da_error(fe, m) == 0.0:
        _copy_row(xv, xe, xt, 0, ov, oe, ot, 0, w)
    return n


@_jit
def da_rekey(sv, st, n, kv, off, ok):
    """The keys UNIQUE/SORT compare of n values: a text id's rank (kv[off + id]), a blank 0,
    numbers and logicals as they are."""
    for i in range(int(n)):
        if st[i] == 2.0:
            ok[i] = kv[int(off) + int(sv[i])]
        elif st[i] == 3.0:
            ok[i] = 0.0
        else:
            ok[i] = sv[i]
    return n


@_jit
def _stack_rows(sv, se, st, n, w, one, at, ow, ov, oe, ot):
    """n rows of w values (one value where ``one``) from row ``at`` of an array ow wide, a
    row's missing values #N/A; returns the rows written."""
    rows = 1 if one != 0.0 else int(n)
    for i in range(rows):
        for j in range(ow):
            p = (at + i) * ow + j
            if j < (1 if one != 0.0 else w):
                ov[p], oe[p], ot[p] = sv[i * w + j], se[i * w + j], st[i * w + j]
            else:
                ov[p], oe[p], ot[p] = 0.0, float(NA), 0.0
    return rows


@_jit
def da_vstack(av, ae, at, an, aw, aone, bv, be, bt, bn, bw, bone, w, ov, oe, ot):
    """VSTACK of two arrays (engine.functions.arrays.vstack): a's rows then b's, w values a
    row, #N/A past an array's width; an array that is one value (``*one``: a FILTER that
    kept nothing) one row of it; returns the rows."""
    rows = _stack_rows(av, ae, at, an, aw, aone, 0, w, ov, oe, ot)
    rows += _stack_rows(bv, be, bt, bn, bw, bone, rows, w, ov, oe, ot)
    return float(rows)


@_jit
def da_choose_col(sv, se, st, rows, n, lim, j, w, ov, oe, ot):
    """Column j of CHOOSE over a row of choices (w values a row, n rows): the chosen value's
    rows (its one row in each where it has one), #N/A from row lim on (past a value of more
    than one row: numpy's map_grid); returns n."""
    for i in range(int(n)):
        p = i * w + j
        if i >= lim:
            ov[p], oe[p], ot[p] = 0.0, float(NA), 0.0
        else:
            q = 0 if rows == 1.0 else i
            ov[p], oe[p], ot[p] = sv[q], se[q], st[q]
    return n


@_jit
def da_cols(sv, se, st, n, w, one, kv, off, k, pm1, ov, oe, ot):
    """CHOOSECOLS of n rows of w values, columns kv[off:off + k] (0-based, within w); an
    array that is one value (``one``: a FILTER that kept nothing) gives that value in each
    column where every column asked is 1 or -1 (``pm1``), else #VALUE!; returns the rows."""
    if one != 0.0:
        for j in range(k):
            if pm1 != 0.0:
                ov[j], oe[j], ot[j] = sv[0], se[0], st[0]
            else:
                ov[j], oe[j], ot[j] = 0.0, 0.0, 3.0
        if pm1 == 0.0:
            ov[0], oe[0], ot[0] = 0.0, float(VALUE), 0.0
        return 1.0
    for i in range(int(n)):
        for j in range(k):
            p, q = i * k + j, i * w + int(kv[int(off) + j])
            ov[p], oe[p], ot[p] = sv[q], se[q], st[q]
    return n


@_jit
def _cmp_key(v, t, other, kv, off, empty):
    """engine.functions.operators._key of a value (its tag t) against one of tag ``other``:
    (class: 0 number, 1 text, 2 logical; its number, text rank kv[off + id] or logical), a
    blank as the other's empty value (text: ``empty``, the rank of "" or -1 below all)."""
    if t == 3.0:
        if other == 2.0:
            return 1.0, empty
        if other == 1.0:
            return 2.0, 0.0
        return 0.0, 0.0
    if t == 2.0:
        return 1.0, kv[int(off) + int(v)]
    if t == 1.0:
        return 2.0, v
    return 0.0, v


@_jit
def da_cmpval(sv, se, st, n, kv, off, empty, xv, xe, xt, op, left, ov, oe, ot):
    """Each of n values compared with one value x (on the left where not ``left``) by OP
    (CMP_OPS; engine.functions.operators.compare): logicals, the left operand's error first,
    FALSE where there is one; returns n."""
    for i in range(int(n)):
        e = se[i] if se[i] != 0.0 else xe
        if left == 0.0:
            e = xe if xe != 0.0 else se[i]
        ca, a = _cmp_key(sv[i], st[i], xt, kv, off, empty)
        cb, b = _cmp_key(xv, xt, st[i], kv, off, empty)
        if left == 0.0:
            ca, a, cb, b = cb, b, ca, a
        if ca != cb:
            c = -1.0 if ca < cb else 1.0
        elif ca == 0.0:
            c = cmp15(a, b)
        else:
            c = 0.0 if a == b else (-1.0 if a < b else 1.0)
        ov[i], oe[i], ot[i] = (1.0 if e == 0.0 and _flag(c, op) else 0.0), e, 1.0
    return n


@_jit
def da_neg(sv, se, st, n, kv, off, ov, oe, ot):
    """-x of each of n values (operators.unary with values.to_number): numbers and logicals
    negated, a blank 0, text by its number kv[off + id] (NaN: #VALUE!), errors kept."""
    for i in range(int(n)):
        x, e = sv[i], se[i]
        if e == 0.0 and st[i] == 3.0:
            x = 0.0
        elif e == 0.0 and st[i] == 2.0:
            x = kv[int(off) + int(sv[i])]
            if math.isnan(x):
                x, e = 0.0, float(VALUE)
        ov[i], oe[i], ot[i] = (0.0 if e != 0.0 else -x), e, 0.0
    return n


@_jit
def da_keycol(kk, ke, kt, n, nk, j, zk, ze, zt):
    """Key column j of nk: n keys (values as compared, errors, tags) into zk/ze/zt, row by
    row nk a row; returns n."""
    for i in range(int(n)):
        p = i * int(nk) + int(j)
        zk[p], ze[p], zt[p] = kk[i], ke[i], kt[i]
    return n


@_jit
def _row_before(zk, ze, zt, nk, kv, off, a, b):
    """Whether row a sorts strictly before row b on the nk keys in turn (kv[off + j]: 1.0
    where key j is descending)."""
    for j in range(nk):
        p, q = a * nk + j, b * nk + j
        desc = kv[int(off) + j] != 0.0
        if _before(zk, ze, zt, p, q, desc):
            return True
        if _before(zk, ze, zt, q, p, desc):
            return False
    return False


@_jit
def da_sortby(sv, se, st, n, w, zk, ze, zt, nk, kv, off, idx, ov, oe, ot):
    """SORTBY of n rows of w values by nk keys a row (engine.functions.arrays.sortby: a
    stable sort on each key in turn, the last key first; the same as one stable sort on
    the keys in order, each as _before orders them); ``idx``: n row numbers of scratch."""
    m = int(n)
    for i in range(m):
        idx[i] = float(i)
    for i in range(1, m):   # insertion sort of the row numbers: stable
        j = i
        while j > 0 and _row_before(zk, ze, zt, nk, kv, off, int(idx[j]), int(idx[j - 1])):
            idx[j], idx[j - 1] = idx[j - 1], idx[j]
            j -= 1
    for i in range(m):
        _copy_row(sv, se, st, int(idx[i]), ov, oe, ot, i, w)
    return n
