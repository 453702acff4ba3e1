"""engine.functions.financial: hand-checked Excel values, Excel's cached values (copied from the
workbooks in the shared set: the ``formulas`` test matrix, loan, cash-flow and depreciation
models), a differential check against pycel's scalar NPV and PV, and vectorized runs (Newton's
method for all trials at once) against one trial at a time."""

from __future__ import annotations

import numpy as np
import pytest
from formula_checks import check, scalar

from engine.check import same_value
from engine.compiler import lookup_function
from engine.functions.fallback import pycel_function
from engine.model import Model
from engine.values import ExcelError, Grid, Kind, Vec, num

E = ExcelError

# FINANCIAL sheet of the ``formulas`` test matrix: formula, its input cells, Excel's value
EXCEL_MATRIX = [
    ('CUMIPMT(C13,5.5,125000,3,5,1)', {'C13': 3.2}, -271489.3412240473),
    ('CUMIPMT(D13,5.5,125000,3,5,1)', {'D13': 6}, -314705.9605595599),
    ('CUMIPMT(E13,5.5,125000,3,5,1)', {'E13': 7}, -322614.9987498017),
    ('CUMIPMT(F13,5.5,125000,3,5,1)', {'F13': 4}, -288950.45405447436),
    ('CUMIPMT(G13,5.5,125000,3,5,1)', {'G13': 9}, -333552.16055641056),
    ('CUMIPMT(H13,5.5,125000,3,5,1)', {}, '#NUM!'),
    ('CUMIPMT(I13,5.5,125000,3,5,1)', {'I13': 'ciao'}, '#VALUE!'),
    ('CUMIPMT(J13,5.5,125000,3,5,1)', {'J13': True}, '#VALUE!'),
    ('CUMIPMT(K13,5.5,125000,3,5,1)', {'K13': '#N/A'}, '#N/A'),
    ('CUMIPMT(L13,5.5,125000,3,5,1)', {'L13': '#VALUE!'}, '#VALUE!'),
    ('CUMIPMT(M13,5.5,125000,3,5,1)', {'M13': '#DIV/0!'}, '#DIV/0!'),
    ('CUMIPMT(N13,5.5,125000,3,5,1)', {'N13': '#NAME?'}, '#NAME?'),
    ('CUMIPMT(O13,5.5,125000,3,5,1)', {'O13': '#NULL!'}, '#NULL!'),
    ('CUMIPMT(P13,5.5,125000,3,5,1)', {'P13': '#NUM!'}, '#NUM!'),
    ('CUMIPMT(Q13,5.5,125000,3,5,1)', {'Q13': '#REF!'}, '#REF!'),
    ('FV(C22, -D22, E22)', {'C22': 3.2, 'D22': 6, 'E22': 7}, 2.1871014779833633),
    ('FV(D22, -E22, F22)', {'D22': 6, 'E22': 7, 'F22': 4}, 0.6666658571562141),
    ('FV(E22, -F22, G22)', {'E22': 7, 'F22': 4, 'G22': 9}, 1.285400390625),
    ('FV(F22, -G22, H22)', {'F22': 4, 'G22': 9}, 0),
    ('FV(G22, -H22, I22)', {'G22': 9, 'I22': 'ciao'}, '#VALUE!'),
    ('FV(H22, -I22, J22)', {'I22': 'ciao', 'J22': True}, '#VALUE!'),
    ('FV(I22, -J22, K22)', {'I22': 'ciao', 'J22': True, 'K22': '#N/A'}, '#VALUE!'),
    ('FV(J22, -K22, L22)', {'J22': True, 'K22': '#N/A', 'L22': '#VALUE!'}, '#N/A'),
    ('FV(K22, -L22, M22)', {'K22': '#N/A', 'L22': '#VALUE!', 'M22': '#DIV/0!'}, '#N/A'),
    ('FV(L22, -M22, N22)', {'L22': '#VALUE!', 'M22': '#DIV/0!', 'N22': '#NAME?'}, '#VALUE!'),
    ('FV(M22, -N22, O22)', {'M22': '#DIV/0!', 'N22': '#NAME?', 'O22': '#NULL!'}, '#DIV/0!'),
    ('FV(N22, -O22, P22)', {'N22': '#NAME?', 'O22': '#NULL!', 'P22': '#NUM!'}, '#NAME?'),
    ('FV(O22, -P22, Q22)', {'O22': '#NULL!', 'P22': '#NUM!', 'Q22': '#REF!'}, '#NULL!'),
    ('FV(P22, -Q22, R22)', {'P22': '#NUM!', 'Q22': '#REF!', 'R22': 2.1871014779833633}, '#NUM!'),
    ('FV(Q22, -R22, S22)', {'Q22': '#REF!', 'R22': 2.1871014779833633, 'S22': 0.6666658571562141}, '#REF!'),
    ('IPMT(C25/12, 1, 3*12, 8000)', {'C25': 3}, -2000),
    ('IPMT(D25/12, 1, 3*12, 8000)', {'D25': 6}, -4000),
    ('IPMT(E25/12, 1, 3*12, 8000)', {'E25': 7}, -4666.666666666667),
    ('IPMT(F25/12, 1, 3*12, 8000)', {'F25': 4}, -2666.6666666666665),
    ('IPMT(G25/12, 1, 3*12, 8000)', {'G25': 9}, -6000),
    ('IPMT(H25/12, 1, 3*12, 8000)', {}, 0),
    ('IPMT(I25/12, 1, 3*12, 8000)', {'I25': 'ciao'}, '#VALUE!'),
    ('IPMT(J25/12, 1, 3*12, 8000)', {'J25': True}, -666.6666666666665),
    ('IPMT(K25/12, 1, 3*12, 8000)', {'K25': '#N/A'}, '#N/A'),
    ('IPMT(L25/12, 1, 3*12, 8000)', {'L25': '#VALUE!'}, '#VALUE!'),
    ('IPMT(M25/12, 1, 3*12, 8000)', {'M25': '#DIV/0!'}, '#DIV/0!'),
    ('IPMT(N25/12, 1, 3*12, 8000)', {'N25': '#NAME?'}, '#NAME?'),
    ('IPMT(O25/12, 1, 3*12, 8000)', {'O25': '#NULL!'}, '#NULL!'),
    ('IPMT(P25/12, 1, 3*12, 8000)', {'P25': '#NUM!'}, '#NUM!'),
    ('IPMT(Q25/12, 1, 3*12, 8000)', {'Q25': '#REF!'}, '#REF!'),
    ('IRR({7,2,-1,4,-3;7,2,-1,4,4},C26)', {'C26': 3}, '#NUM!'),
    ('IRR({7,2,-1,4,-3;7,2,-1,4,4},D26)', {'D26': 6}, '#NUM!'),
    ('IRR({-7,2,1,4,-3;-7,2,-1,4,4},E26)', {'E26': 7}, -0.021126011550541612),
    ('IRR({-7,2,-1,4,-3,7,2,1,4},F26)', {'F26': 4}, 0.18158629375365587),
    ('IRR({-7,2,-1,4,-3;7,2,-1,4,#N/A})', {}, '#VALUE!'),
    ('IRR({-7,2,-1,4,-3;7,2,-1,4,#VALUE!})', {}, '#VALUE!'),
    ('IRR({-7,2,-1,4,-3;7,2,-1,4,#DIV/0!})', {}, '#VALUE!'),
    ('IRR({-7,2,-1,4,-3;7,2,-1,4,#NAME?})', {}, '#VALUE!'),
    ('IRR({-7,2,-1,4,-3;7,2,-1,4,#NULL!})', {}, '#VALUE!'),
    ('IRR({-7,2,-1,4,-3;7,2,-1,4,#NUM!})', {}, '#VALUE!'),
    ('IRR({-7,2,-1,4,-3;7,2,-1,4,#REF!})', {}, '#VALUE!'),
    ('IRR({-7,2,-1,4,-3;7,2,-1,4,4})', {}, 0.19086464188385688),
    ('IRR({7,2,-1,4,-3;7,2,-1,4,4},D27)', {'D27': 2}, '#NUM!'),
    ('IRR({-7,2,1,4,-3;-7,2,-1,4,4},E27)', {'E27': 0}, -0.0211260115505828),
    ('IRR({-7,2,-1,4,-3,7,2,1,4},F27)', {'F27': 4}, 0.18158629375365587),
    ('IRR({-7,2,-1,4,-3,7,2,1,3},K27)', {'K27': '#N/A'}, '#N/A'),
    ('IRR({-7,2,-1,4,-3,7,2,1,3},M27)', {'M27': '#DIV/0!'}, '#DIV/0!'),
    ('IRR({-7,2,-1,4,-3,7,2,1,3},N27)', {'N27': '#NAME?'}, '#NAME?'),
    ('IRR({-7,2,-1,4,-3,7,2,1,3},O27)', {'O27': '#NULL!'}, '#NULL!'),
    ('IRR({-7,2,-1,4,-3,7,2,1,3},P27)', {'P27': '#NUM!'}, '#NUM!'),
    ('IRR({-7,2,-1,4,-3,7,2,1,3},Q27)', {'Q27': '#REF!'}, '#REF!'),
    ('NPER(C32/12,D32,E32,10000,1)', {'C32': -0.1, 'D32': 2, 'E32': 0}, -449.5074885969371),
    ('NPER(D32/12,E32,F32,10000,1)', {'D32': 2, 'E32': 0, 'F32': 4}, '#NUM!'),
    ('NPER(E32/12,F32*1000,G32)', {'E32': 0, 'F32': 4, 'G32': 5}, -0.00125),
    ('NPER(F32/12,H32,C32,10000,1)', {'F32': 4, 'C32': -0.1}, 40.01961389825548),
    ('NPER(G32/12,H32,I32,10000,1)', {'G32': 5, 'I32': 'ciao'}, '#VALUE!'),
    ('NPER(H32/12,I32,J32,10000,1)', {'I32': 'ciao', 'J32': True}, '#VALUE!'),
    ('NPER(I32/12,J32,K32,10000,1)', {'I32': 'ciao', 'J32': True, 'K32': '#N/A'}, '#VALUE!'),
    ('NPER(J32/12,K32,L32,10000,1)', {'J32': True, 'K32': '#N/A', 'L32': '#VALUE!'}, '#N/A'),
    ('NPER(K32/12,L32,M32,10000,1)', {'K32': '#N/A', 'L32': '#VALUE!', 'M32': '#DIV/0!'}, '#N/A'),
    ('NPER(L32/12,M32,N32,10000,1)', {'L32': '#VALUE!', 'M32': '#DIV/0!', 'N32': '#NAME?'}, '#VALUE!'),
    ('NPER(M32/12,N32,O32,10000,1)', {'M32': '#DIV/0!', 'N32': '#NAME?', 'O32': '#NULL!'}, '#DIV/0!'),
    ('NPER(N32/12,O32,P32,10000,1)', {'N32': '#NAME?', 'O32': '#NULL!', 'P32': '#NUM!'}, '#NAME?'),
    ('NPER(O32/12,P32,Q32,10000,1)', {'O32': '#NULL!', 'P32': '#NUM!', 'Q32': '#REF!'}, '#NULL!'),
    ('NPER(P32/12,Q32,R32,10000,1)', {'P32': '#NUM!', 'Q32': '#REF!', 'R32': -449.5074885969371}, '#NUM!'),
    ('NPER(Q32/12,R32,S32,10000,1)', {'Q32': '#REF!', 'R32': -449.5074885969371, 'S32': '#NUM!'}, '#REF!'),
    ('PMT(C39/12,D39,E39,10000,1)', {'C39': -0.1, 'D39': 2, 'E39': 0}, -5063.113111353327),
    ('PMT(D39/12,E39,F39,10000,1)', {'D39': 2, 'E39': 0, 'F39': 4}, '#NUM!'),
    ('PMT(E39/12,F39,G39,10000,1)', {'E39': 0, 'F39': 4, 'G39': 5}, -2501.25),
    ('PMT(F39/12,G39,H39,10000,1)', {'F39': 4, 'G39': 5}, -777.8489116517285),
    ('PMT(G39/12,H39,I39,10000,1)', {'G39': 5, 'I39': 'ciao'}, '#VALUE!'),
    ('PMT(H39/12,I39,J39,10000,1)', {'I39': 'ciao', 'J39': True}, '#VALUE!'),
    ('PMT(I39/12,J39,K39,10000,1)', {'I39': 'ciao', 'J39': True, 'K39': '#N/A'}, '#VALUE!'),
    ('PMT(J39/12,K39,L39,10000,1)', {'J39': True, 'K39': '#N/A', 'L39': '#VALUE!'}, '#N/A'),
    ('PMT(K39/12,L39,M39,10000,1)', {'K39': '#N/A', 'L39': '#VALUE!', 'M39': '#DIV/0!'}, '#N/A'),
    ('PMT(L39/12,M39,N39,10000,1)', {'L39': '#VALUE!', 'M39': '#DIV/0!', 'N39': '#NAME?'}, '#VALUE!'),
    ('PMT(M39/12,N39,O39,10000,1)', {'M39': '#DIV/0!', 'N39': '#NAME?', 'O39': '#NULL!'}, '#DIV/0!'),
    ('PMT(N39/12,O39,P39,10000,1)', {'N39': '#NAME?', 'O39': '#NULL!', 'P39': '#NUM!'}, '#NAME?'),
    ('PMT(O39/12,P39,Q39,10000,1)', {'O39': '#NULL!', 'P39': '#NUM!', 'Q39': '#REF!'}, '#NULL!'),
    ('PMT(P39/12,Q39,R39,10000,1)', {'P39': '#NUM!', 'Q39': '#REF!', 'R39': -5063.113111353327}, '#NUM!'),
    ('PMT(Q39/12,R39,S39,10000,1)', {'Q39': '#REF!', 'R39': -5063.113111353327, 'S39': '#NUM!'}, '#REF!'),
    ('PPMT(C40,"3","33","10000","1")', {'C40': -0.1}, -835.9133596022948),
    ('PPMT(D40,"3","33","10000","1")', {'D40': 2}, -3.238280962129199e-11),
    ('PPMT(E40,"3","33","10000","1")', {'E40': 1}, -4.657078534906851e-06),
    ('PPMT(F40,"3","33","10000","1")', {'F40': 4}, -8.590793585459249e-18),
    ('PPMT(H40,"3","33","10000","1")', {}, -303.06060606060606),
    ('PPMT(I40,"3","33","10000","1")', {'I40': 'ciao'}, '#VALUE!'),
    ('PPMT(J40,"3","33","10000","1")', {'J40': True}, -4.657078534906851e-06),
    ('PPMT(K40,"3","33","10000","1")', {'K40': '#N/A'}, '#N/A'),
    ('PPMT(L40,"3","33","10000","1")', {'L40': '#VALUE!'}, '#VALUE!'),
    ('PPMT(M40,"3","33","10000","1")', {'M40': '#DIV/0!'}, '#DIV/0!'),
    ('PPMT(N40,"3","33","10000","1")', {'N40': '#NAME?'}, '#NAME?'),
    ('PPMT(O40,"3","33","10000","1")', {'O40': '#NULL!'}, '#NULL!'),
    ('PPMT(P40,"3","33","10000","1")', {'P40': '#NUM!'}, '#NUM!'),
    ('PPMT(Q40,"3","33","10000","1")', {'Q40': '#REF!'}, '#REF!'),
    ('PV(C44,3, 22)', {'C44': -0.1}, -81.78326474622767),
    ('PV(D44,3, 22)', {'D44': 2}, -10.592592592592593),
    ('PV(E44,3, 22)', {'E44': 0}, -66),
    ('PV(F44,3, 22)', {'F44': 4}, -5.456),
    ('PV(G44,3, 22)', {'G44': 5}, -4.37962962962963),
    ('PV(H44,3, 22)', {}, -66),
    ('PV(I44,3, 22)', {'I44': 'ciao'}, '#VALUE!'),
    ('PV(J44,3, 22)', {'J44': True}, -19.25),
    ('PV(K44,3, 22)', {'K44': '#N/A'}, '#N/A'),
    ('PV(L44,3, 22)', {'L44': '#VALUE!'}, '#VALUE!'),
    ('PV(M44,3, 22)', {'M44': '#DIV/0!'}, '#DIV/0!'),
    ('PV(N44,3, 22)', {'N44': '#NAME?'}, '#NAME?'),
    ('PV(O44,3, 22)', {'O44': '#NULL!'}, '#NULL!'),
    ('PV(P44,3, 22)', {'P44': '#NUM!'}, '#NUM!'),
    ('PV(Q44,3, 22)', {'Q44': '#REF!'}, '#REF!'),
    ('RATE(C45,-388, 22000)', {'C45': -0.1}, '#NUM!'),
    ('RATE(D45,-388, 22000)', {'D45': 2}, -0.8580874006920445),
    ('RATE(E45,-388, 22000)', {'E45': 0}, '#NUM!'),
    ('RATE(F45,-388, 22000)', {'F45': 4}, -0.5866802847891364),
    ('RATE(G45,-388, 22000)', {'G45': 5}, -0.4891154831148691),
    ('RATE(H45,-388, 22000)', {}, '#NUM!'),
    ('RATE(I45,-388, 22000)', {'I45': 'ciao'}, '#VALUE!'),
    ('RATE(J45,-388, 22000)', {'J45': True}, -0.9823636363636363),
    ('RATE(K45,-388, 22000)', {'K45': '#N/A'}, '#N/A'),
    ('RATE(L45,-388, 22000)', {'L45': '#VALUE!'}, '#VALUE!'),
    ('RATE(M45,-388, 22000)', {'M45': '#DIV/0!'}, '#DIV/0!'),
    ('RATE(N45,-388, 22000)', {'N45': '#NAME?'}, '#NAME?'),
    ('RATE(O45,-388, 22000)', {'O45': '#NULL!'}, '#NULL!'),
    ('RATE(P45,-388, 22000)', {'P45': '#NUM!'}, '#NUM!'),
    ('RATE(Q45,-388, 22000)', {'Q45': '#REF!'}, '#REF!'),
    ('XIRR({-10,#N/A,1,2,7},{3,#REF!,7,4,9})', {}, '#REF!'),
    ('XIRR({-10,#N/A,1,2,7},{3,#VALUE!,7,4,9},#REF!)', {}, '#REF!'),
]


@pytest.mark.parametrize(("formula", "cells", "expected"), EXCEL_MATRIX)
def test_excel_matrix(formula, cells, expected):
    check(expected, scalar("=" + formula, cells))


def test_ppmt_of_a_cancellation_is_zero_to_the_terms_precision():
    """PPMT(5, 3, 33, 10000, 1): PMT - IPMT of two -8333.33 terms, exactly -6.3e-21.  Excel
    wrote -3.7698552037230904e-20 (the formulas test sheet's G40); what is left after the
    cancellation is the last bits of the terms (6**33 is exact in double-double powering,
    financial._growth), so it is compared with the terms' precision, not bit for bit."""
    got = scalar('=PPMT(G40,"3","33","10000","1")', {"G40": 5})
    assert abs(got - -3.7698552037230904e-20) < 1e-13 * 8333.34


# the cash flows of the same sheet (rows 26-27, 33, 54-56)
FLOWS = {"C27": -0.1, "D27": 2, "E27": 0, "F27": 4, "G27": 5, "I27": "ciao", "J27": True,
         "K27": "#N/A", "C33": -0.1, "D33": 2, "E33": 0, "F33": 4, "G33": 5, "I33": "ciao",
         "J33": True, "K33": "#N/A", "C54": 1, "D54": 99, "E54": 55, "F54": 4, "G54": 9,
         "I54": 32015, "J54": True, "C55": -10, "D55": 1, "E55": 5, "F55": 0.0001, "G55": 4.5,
         "I55": "1", "J55": True, "D56": 2, "E56": 0, "F56": 4, "G56": 5, "C56": -0.1}
RANGE_CASES = [
    ("=IRR(C27:E27,9)", 18.999999999999982), ("=IRR(D27:F27)", E("#NUM!")),
    ("=IRR(E27:G27,I27)", E("#VALUE!")), ("=IRR(C27:G27,G27)", 19.105109618637595),
    ("=IRR(C27:H27)", 19.105109618587242), ("=IRR(C27:J27)", 19.105109618587242),
    ("=IRR(C27:K27)", E("#VALUE!")), ("=IRR(D27:G27)", E("#NUM!")),
    ("=IRR({-7,2,-1,4,-3;7,2,-1,4,4})", 0.19086464188385688),
    ("=IRR({-7,2,1,4,-3;-7,2,-1,4,4},7)", -0.021126011550541612),
    ("=IRR({-7,2,-1,4,-3,7,2,1,4},4)", 0.18158629375365587),
    ("=IRR({7,2,-1,4,-3;7,2,-1,4,4},3)", E("#NUM!")), ("=IRR({-7,2,-1,4,-3;7,2,-1,4,#N/A})", E("#VALUE!")),
    ("=IRR({-7,2,-1,4,-3,7,2,1,3},K27)", E("#N/A")),
    ("=NPV(C33,C33:G33)", 16.922200206608068), ("=NPV(D33,D33:H33)", 0.8765432098765432),
    ("=NPV(E33,E33:I33)", 9.0), ("=NPV(F33,F33:J33)", 1.0), ("=NPV(G33,G33:K33)", E("#N/A")),
    ("=NPV(I33,I33:M33)", E("#VALUE!")),
    ("=XNPV(D56,$C$55:$G$55,$C$54:$G$54)", -0.6124748432976563),
    ("=XNPV(F56,$C$55:$G$55,$C$54:$G$54)", -1.0661583524424625),
    ("=XNPV(G56,$C$55:$G$55,$C$54:$G$54)", -1.2193650514728072),
    ("=XNPV(C56,$C$55:$G$55,$C$54:$G$54)", E("#NUM!")), ("=XNPV(E56,$C$55:$G$55,$C$54:$G$54)", E("#NUM!")),
    ("=XNPV(J54,$C$55:$G$55,$C$54:$G$54)", E("#VALUE!")), ("=XNPV(D56:E56,$C$55:$G$55,$C$54:$G$54)", E("#VALUE!")),
    ("=XIRR(C55:G55,C54:G54,E56)", 0.599319755859375), ("=XIRR(C54:G54,C55:G55,D55)", E("#NUM!")),
    ("=XIRR(C56,$C$55:$G$55,$C$54:$G$54)", E("#VALUE!")), ("=XIRR(D55:H55,D54:H54)", E("#NUM!")),
    ("=XIRR($C$55:$G$55,$C$54:$G$54,TRUE)", E("#VALUE!")), ("=XIRR($C$55:J$55,$C$54:J$54)", E("#VALUE!")),
]


@pytest.mark.parametrize(("formula", "expected"), RANGE_CASES)
def test_excel_matrix_ranges(formula, expected):
    check(expected, scalar(formula, FLOWS))


def test_xirr_is_excels_search():
    """Excel bisects a bracket found by doubling or halving the guess to a width of 1e-8: its
    cached values (formulas__test.xlsx FINANCIAL!R54, X54, AD54, U55), not the exact root
    0.5993197557530519, bit for bit."""
    for guess, want in [("1", 0.5993197485804558), ("4", 0.5993197485804558),
                        ("32015", 0.5993197540431083), ("0.1", 0.5993197500705721),
                        ("0", 0.599319755859375)]:
        assert scalar(f"=XIRR(C55:G55,C54:G54,{guess})", FLOWS) == want
    assert abs(scalar("=XNPV(0.5993197557530519,C55:G55,C54:G54)", FLOWS)) < 1e-12


WORKBOOKS = [
    # adithiya__Loan_Interest_Engine, adithiya__TVM_NPV_IRR, adithiya__Cashflow
    ("=PMT(10%,8,100000)", {}, -18744.401757481348), ("=PMT(12%,4,100000)", {}, -32923.44363056898),
    ("=PMT(A1/A3, A2*A3, -A4)", {"A1": 0.1, "A2": 5, "A3": 12, "A4": 100000}, 2124.7044711268277),
    ("=IRR(A1:A5)", {"A1": -20000, "A2": -8960, "A3": 8780.800000000001, "A4": 8429.568000000003,
                     "A5": 7867.596800000002}, -0.05254897582781892),
    ("=IRR(A1:A6)", {"A1": -1000, "A2": 300, "A3": 400, "A4": 500, "A5": 300, "A6": 200},
     0.2197192812563511),
    ("=NPV(B1,A6:A10,A5)", {"A5": 300, "A6": 200, "B1": 0.2}, 375.0),
]


@pytest.mark.parametrize(("formula", "cells", "expected"), WORKBOOKS)
def test_workbook_values(formula, cells, expected):
    check(expected, scalar(formula, cells), rel=1e-12 if "PMT" in formula else 1e-9)


# xlcalculator__VDB: cost 575000, salvage 5000, life 10, factor 1.5; and cost 1, life 14, 1.25
DEPRECIATION = [
    ("=VDB(575000,5000,10,0,1,1.5)", 86250.0), ("=VDB(575000,5000,10,4,5,1.5)", 49192.265625),
    ("=VDB(575000,5000,10,9,10,1.5,FALSE)", 49192.265625), ("=VDB(575000,5000,10,3,5,1.5,FALSE)", 102160.546875),
    ("=VDB(1,0,14,0,0.5,1.25,FALSE)", 0.044642857142857144), ("=VDB(1,0,14,0.5,1.5,1.25,FALSE)", 0.08529974489795919),
    ("=VDB(1,0,14,2.5,3.5,1.25,FALSE)", 0.07074765193864536), ("=VDB(1,0,14,3.5,4.5,1.25,FALSE)", 0.06872629045468406),
    ("=VDB(1,0,14,13.5,14,1.25,FALSE)", 0.03436314522734203), ("=VDB(1,0,14,13,14,1.25,FALSE)", 0.06866789938377948),
    ("=DB(575000,5000,10,1)", 217350.0), ("=DB(575000,5000,10,4)", 52303.5056628),
    ("=DB(575000,5000,10,10)", 3028.8175058339007), ("=SLN(575000,5000,10)", 57000.0),
    # Microsoft's documented examples
    ("=DB(1000000,100000,6,1,7)", 186083.33333333334), ("=DB(1000000,100000,6,7,7)", 15845.098473848071),
    ("=DDB(2400,300,10,1)", 480.0), ("=DDB(2400,300,10,10)", 22.122547200000156),
    ("=DDB(2400,300,10*12,1,2)", 40.0), ("=SLN(30000,7500,10)", 2250.0), ("=SLN(1,0,0)", E("#DIV/0!")),
    ("=VDB(2400,300,10*365,0,1)", 1.3150684931506849), ("=VDB(2400,300,10,0,0.875,1.5)", 315.0),
    ("=VDB(2400,300,10,11,12)", E("#NUM!")), ("=DB(100,10,5,7)", E("#NUM!")),
]


@pytest.mark.parametrize(("formula", "expected"), DEPRECIATION)
def test_depreciation(formula, expected):
    check(expected, scalar(formula))


HAND_CHECKED = [
    ("=FV(0.06/12,10,-200,-500,1)", 2581.4033740601185), ("=FV(0,10,-100)", 1000.0),
    ("=PV(0.08/12,12*20,500,,0)", -59777.14585118638), ("=PV(0,10,-100)", 1000.0),
    ("=PMT(0.08/12,10,10000)", -1037.0320893591606), ("=PMT(0.06/12,18*12,0,50000)", -129.0811608679973),
    ("=PMT(0,10,1000)", -100.0), ("=PMT(0.1,0,1000)", E("#NUM!")),
    ("=IPMT(0.1/12,1,3*12,8000)", -66.66666666666667), ("=IPMT(0.1,3,3,8000)", -292.4471299093658),
    ("=IPMT(0.1,1,3,8000,0,1)", 0.0), ("=IPMT(0.1,4,3,8000)", E("#NUM!")),
    ("=PPMT(0.1/12,1,2*12,2000)", -75.62318600836673), ("=PPMT(0.08,10,10,200000)", -27598.05346242135),
    ("=NPER(0.12/12,-100,-1000,10000,1)", 59.67386567429457), ("=NPER(0,-100,1000)", 10.0),
    ("=RATE(4*12,-200,8000)", 0.007701472488246008), ("=RATE(4*12,-200,8000)*12", 0.0924176698589521),
    ("=RATE(10,-100,-100)", E("#NUM!")), ("=RATE(0,-100,1000)", E("#NUM!")),
    ("=NPV(0.1,-10000,3000,4200,6800)", 1188.4434123352207), ("=NPV(-1,1,2)", E("#DIV/0!")),
    ("=IRR({-70000,12000,15000,18000,21000})", -0.021244848273410923),
    ("=IRR({-70000,12000,15000,18000,21000,26000})", 0.08663094803653162),
    ("=IRR({-70000,12000,15000},-0.1)", -0.44350694133474067), ("=IRR({1,2,3})", E("#NUM!")),
    ("=XNPV(0.09,{-10000,2750,4250,3250,2750},{39448,39508,39751,39859,39904})", 2086.647602031535),
    # Excel's documentation: 0.373362535 (Excel's search, financial.excel_xirr_search); the
    # exact root 0.37336253351883 would show 0.373362534
    ("=XIRR({-10000,2750,4250,3250,2750},{39448,39508,39751,39859,39904},0.1)", 0.3733625352382659),
    ("=CUMIPMT(0.09/12,30*12,125000,13,24,0)", -11135.232130750845),
    ("=CUMIPMT(0.09/12,30*12,125000,1,1,0)", -937.5), ("=CUMPRINC(0.09/12,30*12,125000,13,24,0)", -934.1071234208765),
    ("=CUMPRINC(0.09/12,30*12,125000,1,1,0)", -68.27827118097583), ("=CUMIPMT(0,10,100,1,2,0)", E("#NUM!")),
]


@pytest.mark.parametrize(("formula", "expected"), HAND_CHECKED)
def test_hand_checked(formula, expected):
    check(expected, scalar(formula))


# ------------------------------------------------------------------ vectorized over trials
RNG = np.random.default_rng(3)
N = 300


def _num(x) -> Vec:
    return Vec(Kind.NUM, np.atleast_1d(np.asarray(x, dtype=float)))


VECTOR_CASES = [
    ("=PMT(Z1,360,-200000)", RNG.uniform(0, 0.01, N)), ("=FV(Z1,10,-100,-1000,1)", RNG.uniform(-0.05, 0.2, N)),
    ("=IPMT(0.01,Z1,24,5000)", np.floor(RNG.uniform(0, 26, N))), ("=NPER(Z1,-100,1000)", RNG.uniform(-0.1, 0.2, N)),
    ("=RATE(Z1,-100,1000)", np.floor(RNG.uniform(1, 40, N))), ("=RATE(360,-1000,Z1)", RNG.uniform(5e4, 3e5, N)),
    ("=IRR(A1:A5)", RNG.uniform(-3000, 500, N)), ("=IRR(A1:A5,Z1)", RNG.uniform(-0.5, 1, N)),
    ("=NPV(Z1,A1:A5)", RNG.uniform(-0.5, 1, N)), ("=XIRR(A1:A5,B1:B5,Z1)", RNG.uniform(0, 1, N)),
    ("=XNPV(Z1,A1:A5,B1:B5)", RNG.uniform(0.01, 1, N)), ("=VDB(1000,Z1,10,0,Z1/100)", RNG.uniform(0, 900, N)),
    ("=DB(1000,100,5,Z1,7)", np.floor(RNG.uniform(0, 7, N))), ("=DDB(1000,100,5,Z1)", RNG.uniform(0, 6, N)),
]
CELLS = {"A1": -1000, "A2": 300, "A3": 400, "A4": 500, "A5": 200,
         "B1": 43000, "B2": 43200, "B3": 43500, "B4": 43900, "B5": 44100}


@pytest.mark.parametrize(("formula", "values"), VECTOR_CASES)
def test_vectorized_matches_trial_by_trial(formula, values):
    model = Model.from_cells(CELLS)
    name = "A1" if formula == "=IRR(A1:A5)" else "Z1"
    got = model.evaluate_formula(formula, {name: _num(values)})
    assert isinstance(got, Vec) and len(got) == N
    for i in range(0, N, 7):
        one = model.evaluate_formula(formula, {name: float(values[i])}).scalar()
        assert same_value(one, got.scalar(i), 1e-9), (i, values[i], one, got.scalar(i))


def test_irr_per_trial_with_gaps():
    """Cash flows that are text in some trials are skipped in those trials only."""
    model = Model.from_cells(CELLS)
    a3 = np.empty(4, dtype=object)
    a3[:] = [400.0, "n/a", 400.0, "n/a"]
    got = model.evaluate_formula("=IRR(A1:A5)", {"A3": Vec(Kind.ANY, a3)})
    full = scalar("=IRR({-1000,300,400,500,200})")
    gap = scalar("=IRR({-1000,300,500,200})")
    assert [got.scalar(i) for i in range(4)] == pytest.approx([full, gap, full, gap], rel=1e-12)


@pytest.mark.parametrize(("name", "make"), [
    ("NPV", lambda r: [r, Grid([[_num(v)] for v in (-100, 30, 40, 50, 20)])]),
    ("PV", lambda r: [r, num(10), num(-100), num(50), num(1)]),
])
def test_differential_against_pycel(name, make):
    rates = _num(RNG.uniform(-0.5, 0.5, 50))
    ours = lookup_function(name).impl(*make(rates))
    theirs = pycel_function(name).impl(*make(rates))
    for i in range(50):
        assert same_value(theirs.scalar(i), ours.scalar(i), 1e-12), (i, theirs.scalar(i), ours.scalar(i))


def test_newton_is_vectorized_and_fast():
    import time

    model = Model.from_cells(CELLS)
    flows = _num(RNG.uniform(-3000, -500, 200_000))
    t0 = time.perf_counter()
    out = model.evaluate_formula("=IRR(A1:A5)", {"A1": flows})
    assert time.perf_counter() - t0 < 3.0
    assert out.err is None or not out.err.any()
