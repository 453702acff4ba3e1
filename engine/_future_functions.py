"""Functions newer than the file format ("future functions"): Excel writes them in a file
with a ``_xlfn.`` prefix (``_xlfn.XLOOKUP(...)``, ``_xlfn._xlws.SORT(...)``).  Written
without it, Excel and LibreOffice read the name as an unknown function: ``#NAME?``
(LibreOffice 7 converting a file with ``=IFS(B1>0,1)`` saves ``ifs(B1>0,1)`` with the cached
value ``#NAME?``, ``_xlfn.IFS`` computes 1; xlsxwriter's documentation says the same of
Excel; a formula typed in an Excel that lacks the function is saved so).

:func:`unprefixed_as_unknown` renames such a call in a formula whose cell holds a cached
value (a file saved by a spreadsheet application, which writes the prefix of every future
function it knows) to a name no function has, so that it evaluates to ``#NAME?`` as there.
Formulas without a cached value (written by openpyxl and the like, which never add the
prefix) keep the function: no application has computed them.  The list is the functions
known to be written with the prefix; a name missing here keeps its function (as before).
"""

from __future__ import annotations

import re

UNKNOWN_PREFIX = "_XLNAME."   # a prefix no function has: the parser's call is #NAME?

_FUTURE = (
    # Excel 2010
    "AGGREGATE BETA.DIST BETA.INV BINOM.DIST BINOM.INV CEILING.PRECISE CHISQ.DIST "
    "CHISQ.DIST.RT CHISQ.INV CHISQ.INV.RT CHISQ.TEST CONFIDENCE.NORM CONFIDENCE.T "
    "COVARIANCE.P COVARIANCE.S ERF.PRECISE ERFC.PRECISE EXPON.DIST F.DIST F.DIST.RT F.INV "
    "F.INV.RT F.TEST FLOOR.PRECISE GAMMA.DIST GAMMA.INV GAMMALN.PRECISE HYPGEOM.DIST "
    "LOGNORM.DIST LOGNORM.INV MODE.MULT MODE.SNGL NEGBINOM.DIST NETWORKDAYS.INTL NORM.DIST "
    "NORM.INV NORM.S.DIST NORM.S.INV PERCENTILE.EXC PERCENTILE.INC PERCENTRANK.EXC "
    "PERCENTRANK.INC POISSON.DIST QUARTILE.EXC QUARTILE.INC RANK.AVG RANK.EQ STDEV.P STDEV.S "
    "T.DIST T.DIST.2T T.DIST.RT T.INV T.INV.2T T.TEST VAR.P VAR.S WEIBULL.DIST WORKDAY.INTL "
    # Excel 2013
    "ACOT ACOTH ARABIC BINOM.DIST.RANGE BITAND BITLSHIFT BITOR BITRSHIFT BITXOR CEILING.MATH "
    "COMBINA COT COTH CSC CSCH DAYS FLOOR.MATH FORMULATEXT GAMMA GAUSS IFNA ISFORMULA "
    "ISOWEEKNUM PHI SEC SECH "
    "NUMBERVALUE PDURATION PERMUTATIONA RRI SKEW.P UNICHAR UNICODE XOR "
    # Excel 2016 / 2019
    "CONCAT IFS MAXIFS MINIFS SWITCH TEXTJOIN FORECAST.LINEAR FORECAST.ETS "
    "FORECAST.ETS.CONFINT FORECAST.ETS.SEASONALITY FORECAST.ETS.STAT "
    # Microsoft 365
    "XLOOKUP XMATCH FILTER SORT SORTBY UNIQUE SEQUENCE RANDARRAY LET LAMBDA TEXTBEFORE "
    "TEXTAFTER TEXTSPLIT VSTACK HSTACK TOCOL TOROW WRAPROWS WRAPCOLS TAKE DROP EXPAND "
    "CHOOSEROWS CHOOSECOLS MAKEARRAY MAP REDUCE SCAN BYROW BYCOL ISOMITTED ARRAYTOTEXT "
    "VALUETOTEXT GROUPBY PIVOTBY PERCENTOF TRIMRANGE REGEXTEST REGEXEXTRACT REGEXREPLACE"
).split()

_FUTURE_SET = frozenset(_FUTURE)
_QUOTED = re.compile(r"(\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*')")   # text and quoted sheet names
_CALL = re.compile(r"(?<![A-Za-z0-9_.\\])([A-Za-z][A-Za-z0-9.]*)\(")   # a name called


def _renamed(m: re.Match[str]) -> str:
    name = m.group(1)
    return UNKNOWN_PREFIX + m.group(0) if name.upper() in _FUTURE_SET else m.group(0)


def unprefixed_as_unknown(formula: str) -> str:
    """``formula`` with each call of a future function written without its ``_xlfn.``
    prefix renamed to an unknown function (``#NAME?``); the text itself if there is none."""
    if "(" not in formula or not any(m.group(1).upper() in _FUTURE_SET
                                     for m in _CALL.finditer(formula)):
        return formula
    parts = _QUOTED.split(formula)
    return "".join(p if k % 2 else _CALL.sub(_renamed, p) for k, p in enumerate(parts))
