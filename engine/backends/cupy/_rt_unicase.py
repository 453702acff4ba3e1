"""CUDA twin of :mod:`..numba._unicase`: the case of text other than ASCII in the per-thread
text buffer (UPPER/LOWER/PROPER, text compared case aside).  :data:`UNICASE_RUNTIME` is C++
source that :data:`._rt_dtext.DTEXT_RUNTIME` holds (before ``dcase``): ``mc_ucase(c, col)``
and ``mc_ucased(c)``, ASCII by rule, past ASCII a binary search of numba's ``CASE_TABLE``
(a ``__device__`` array).  The table is in a kernel only where its text buffer holds code
points past ASCII (``MC_WIDE_TEXT``, defined by the generated source where the buffer is
``mc_wch``); elsewhere no character past ASCII is ever in the buffer and ``mc_ucase`` keeps
them as they are.
"""

from __future__ import annotations

from ..numba._unicase import CASE_TABLE

__all__ = ["UNICASE_RUNTIME"]

_FLAT = ", ".join(str(int(x)) for x in CASE_TABLE.ravel())

UNICASE_RUNTIME = (r"""
/* ------------------------------------------------------------ case past ASCII (numba/_unicase.py) */
typedef int mc_wch;   /* the text buffer's element where it holds code points past ASCII */
#ifdef MC_WIDE_TEXT
#ifdef __CUDACC__
__device__ const int mc_case_table[] = {@TABLE@};
#else
static const int mc_case_table[] = {@TABLE@};
#endif
#define MC_CASE_ROWS @ROWS@
/* the row of code point c in mc_case_table (5 columns: c, upper, lower, title, fold), -1 */
MC_HD int mc_case_row(int c) {
    int lo = 0, hi = MC_CASE_ROWS;
    while (lo < hi) {
        int mid = (lo + hi) / 2, m = mc_case_table[5 * mid];
        if (m == c) return mid;
        if (m < c) lo = mid + 1; else hi = mid;
    }
    return -1;
}
MC_HD int mc_case_at(int r, int col) { return mc_case_table[5 * r + col]; }
#else
MC_HD int mc_case_row(int c) { return -1; }
MC_HD int mc_case_at(int r, int col) { return 0; }
#endif

/* c in the form of column col: 1 upper, 2 lower, 3 title, 4 fold (itself where it has none) */
MC_HD int mc_ucase(int c, int col) {
    if (c < 128) {
        if (col == 1 || col == 3) return 97 <= c && c <= 122 ? c - 32 : c;
        return 65 <= c && c <= 90 ? c + 32 : c;
    }
    int r = mc_case_row(c);
    return r < 0 ? c : mc_case_at(r, col);
}

/* a letter with a case (str.title's "cased"; the generator refuses the others past ASCII) */
MC_HD bool mc_ucased(int c) {
    if (c < 128) return (65 <= c && c <= 90) || (97 <= c && c <= 122);
    return mc_case_row(c) >= 0;
}
""".replace("@TABLE@", _FLAT).replace("@ROWS@", str(CASE_TABLE.shape[0])))
