"""Four workbooks written the way people write them, built with openpyxl: a cost estimate
with a risk register, a project schedule on working days, an engineering estimate and a
loan/project-finance model.  Labels, Yes/No flags, IF returning "", lookups returning text,
SUMIFS/COUNTIFS with wildcards and dates, IFERROR, rounding, dates, finance.

Used by tests/test_numba_realistic_models.py (the numba kernel fuses their whole stochastic
slice and agrees with numpy) and by ``bench/bench_fused.py FOLDER`` on a folder they are
written to (``python -m tests.realistic_models FOLDER``).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

import openpyxl

D = dt.datetime


def _put(ws, cells: dict[str, object]) -> None:
    for ref, value in cells.items():
        ws[ref] = value


def cost_risk(path: Path) -> Path:
    """Cost estimate (12 items) with a risk register (8 risks) and a summary."""
    wb = openpyxl.Workbook()
    items = wb.active
    items.title = "Items"
    _put(items, {"A1": "Item", "B1": "Base", "C1": "Contingency?", "D1": "Category",
                 "E1": "Start", "F1": "Months", "G1": "Cost", "H1": "Rounded", "I1": "Rate",
                 "J1": "Owner", "K1": "End", "L1": "Month end", "M1": "Workdays",
                 "N1": "Flag", "P1": "Contingency", "P2": 0.12})
    cats = ["Labour", "Material", "Equipment", "Labour - overtime"]
    for i in range(2, 14):
        k = i - 2
        _put(items, {
            f"A{i}": f"Item {k + 1:02d}", f"B{i}": 1000.0 + 750.0 * ((k * 7) % 5) + 130 * k,
            f"C{i}": "Yes" if k % 3 else "No", f"D{i}": cats[k % 4],
            f"E{i}": D(2025, 1 + k % 12, 1 + (k * 5) % 27), f"F{i}": 2 + k % 7,
            f"G{i}": f'=IF(C{i}="Yes",B{i}*(1+$P$2),B{i})',
            f"H{i}": f"=ROUND(G{i}*I{i},-1)",
            f"I{i}": f'=IFERROR(VLOOKUP(D{i},Rates!$A$2:$C$4,2,FALSE),1.25)',
            f"J{i}": f'=IFERROR(VLOOKUP(D{i},Rates!$A$2:$C$4,3,FALSE),"unassigned")',
            f"K{i}": f"=EDATE(E{i},F{i})",
            f"L{i}": f"=EOMONTH(K{i},0)",
            f"M{i}": f"=NETWORKDAYS(E{i},K{i})",
            f"N{i}": f'=IF(H{i}>$P$3,"over","")',
        })
        items[f"E{i}"].number_format = "yyyy-mm-dd"
    items["P3"] = 4000
    rates = wb.create_sheet("Rates")
    _put(rates, {"A1": "Category", "B1": "Factor", "C1": "Owner",
                 "A2": "Labour", "B2": 1.1, "C2": "Ops",
                 "A3": "Material", "B3": 1.05, "C3": "Procurement",
                 "A4": "Equipment", "B4": 1.3, "C4": "Plant"})
    risks = wb.create_sheet("Risks")
    _put(risks, {"A1": "ID", "B1": "Risk", "C1": "Probability", "D1": "Impact",
                 "E1": "Status", "F1": "Owner", "G1": "Exposure", "H1": "Rating",
                 "I1": "Share"})
    for i in range(2, 10):
        k = i - 2
        _put(risks, {
            f"A{i}": f"R-{k + 1:02d}", f"B{i}": f"Risk number {k + 1}",
            f"C{i}": round(0.05 + 0.11 * k, 2), f"D{i}": 8000.0 + 9000.0 * ((k * 3) % 7),
            f"E{i}": "Closed" if k in (2, 5) else "Open", f"F{i}": ["Ops", "PM", "Eng"][k % 3],
            f"G{i}": f'=IF(E{i}="Open",C{i}*D{i},"")',
            f"H{i}": f'=IF(C{i}*D{i}>30000,"High",IF(C{i}*D{i}>10000,"Medium","Low"))',
            f"I{i}": f"=IFERROR(G{i}/D{i},0)",
        })
    summ = wb.create_sheet("Summary")
    _put(summ, {
        "A1": "Base cost", "B1": "=SUM(Items!H2:H13)",
        "A2": "Labour", "B2": '=SUMIFS(Items!H2:H13,Items!D2:D13,"Labour*")',
        "A3": "Contingent items", "B3": '=COUNTIFS(Items!C2:C13,"Yes",Items!H2:H13,">2000")',
        "A4": "From H2", "B4": '=SUMIFS(Items!H2:H13,Items!E2:E13,">="&DATE(2025,7,1))',
        "A5": "Open high", "B5": '=COUNTIFS(Risks!H2:H9,"High",Risks!E2:E9,"Open")',
        "A6": "Risk reserve", "B6": "=ROUNDUP(SUM(Risks!G2:G9),-3)",
        "A7": "Top risk owner", "B7": "=INDEX(Risks!F2:F9,MATCH(MAX(Risks!G2:G9),Risks!G2:G9,0))",
        "A8": "R-03 rating", "B8": '=XLOOKUP("R-03",Risks!A2:A9,Risks!H2:H9,"none")',
        "A9": "Total", "B9": "=B1+B6",
        "A10": "Budget", "B10": 60000,
        "A11": "Verdict", "B11": '=IF(B9>B10,"Over budget","Within budget")',
        "A12": "Headroom", "B12": "=MAX(0,B10-B9)",
        "A13": "Worst item", "B13": "=MAX(Items!H2:H13)-MIN(Items!H2:H13)",
        "A14": "Finish", "B14": "=MAX(Items!L2:L13)",
        "A15": "Workdays", "B15": "=SUM(Items!M2:M13)",
        "A16": "Over items", "B16": '=COUNTIF(Items!N2:N13,"over")',
        "A17": "Blank flags", "B17": '=COUNTIF(Items!N2:N13,"")',
        "A18": "Rate", "B18": 0.07,
        "A19": "NPV", "B19": "=NPV(B18,-B9,B9*0.3,B9*0.4,B9*0.5)",
        "A20": "IRR", "B20": "=IRR(C20:C24)",
        "C20": "=-B9", "C21": "=B9*0.2", "C22": "=B9*0.3", "C23": "=B9*0.35", "C24": "=B9*0.4",
        "A25": "Payment", "B25": "=PMT(B18/12,36,-B9)",
        "A26": "Label", "B26": '="Total: "&TEXT(B9,"#,##0")',
        "A27": "Ops share", "B27": '=IFERROR(SUMIFS(Items!H2:H13,Items!J2:J13,"Ops")/B1,0)',
        "A28": "Unassigned", "B28": '=COUNTIF(Items!J2:J13,"unassigned")',
        "A29": "Avg open exposure", "B29": '=AVERAGEIFS(Risks!G2:G9,Risks!E2:E9,"<>Closed")',
        "A30": "Flag text", "B30": '=IF(B5>0,"Escalate: "&B5&" high risks","")',
        "A31": "Owner check", "B31": '=IF(B7="Ops","ops-led",IF(B7="","none","other"))',
    })
    wb.save(path)
    return path


def schedule(path: Path) -> Path:
    """A 14-task schedule: finish-to-start chains on working days with holidays."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Plan"
    _put(ws, {"A1": "Task", "B1": "Days", "C1": "Pred", "D1": "Start", "E1": "Finish",
              "F1": "Deadline", "G1": "Status", "H1": "Slack", "I1": "Critical",
              "J1": "Weekday", "K1": "Month", "L1": "Phase",
              "N1": "Project start", "O1": D(2025, 3, 3), "N2": "Holidays"})
    hol = [D(2025, 4, 18), D(2025, 4, 21), D(2025, 5, 5), D(2025, 5, 26), D(2025, 8, 25),
           D(2025, 12, 25), D(2025, 12, 26)]
    for j, h in enumerate(hol):
        ws[f"O{2 + j}"] = h
    ws["O1"].number_format = "yyyy-mm-dd"
    for i in range(2, 16):
        k = i - 2
        start = "=WORKDAY($O$1,0,$O$2:$O$8)" if k == 0 else \
            f"=WORKDAY(E{i - 1 if k % 4 else max(2, i - 3)},1,$O$2:$O$8)"
        _put(ws, {
            f"A{i}": f"Task {k + 1}", f"B{i}": 3 + (k * 5) % 11,
            f"D{i}": start,
            f"E{i}": f"=WORKDAY(D{i},B{i}-1,$O$2:$O$8)",
            f"F{i}": D(2025, 3 + k // 2, 28),
            f"G{i}": f'=IF(E{i}>F{i},"Late",IF(E{i}>F{i}-5,"At risk","On time"))',
            f"H{i}": f"=NETWORKDAYS(E{i},F{i},$O$2:$O$8)-1",
            f"I{i}": f'=IF(H{i}<=0,"Critical","")',
            f"J{i}": f"=WEEKDAY(E{i},2)",
            f"K{i}": f"=YEAR(E{i})*100+MONTH(E{i})",
            f"L{i}": '=CHOOSE(1+MOD(ROW()-2,3),"Design","Build","Test")',
        })
    _put(ws, {
        "N10": "Finish", "O10": "=MAX(E2:E15)",
        "N11": "Late tasks", "O11": '=COUNTIF(G2:G15,"Late")',
        "N12": "At risk", "O12": '=COUNTIFS(G2:G15,"At*",L2:L15,"Build")',
        "N13": "Critical", "O13": '=COUNTIF(I2:I15,"Critical")',
        "N14": "Duration", "O14": "=NETWORKDAYS.INTL(O1,O10,1,O2:O8)",
        "N15": "Calendar days", "O15": "=DAYS(O10,O1)",
        "N16": "Weeks", "O16": "=ROUNDUP(O15/7,0)",
        "N17": "Go-live", "O17": "=WORKDAY.INTL(O10,5,11,O2:O8)",
        "N18": "Quarter", "O18": '="Q"&ROUNDUP(MONTH(O17)/3,0)&" "&YEAR(O17)',
        "N19": "Min slack", "O19": "=MIN(H2:H15)",
        "N20": "Verdict", "O20": '=IF(O11=0,"On track",IF(O11<3,"Watch","Recover"))',
        "N21": "Year frac", "O21": "=YEARFRAC(O1,O10,1)",
        "N22": "Build days", "O22": '=SUMIFS(B2:B15,L2:L15,"Build")',
        "N23": "Month end", "O23": "=EOMONTH(O10,1)",
        "N24": "Last late", "O24": '=IFERROR(LOOKUP(2,1/(G2:G15="Late"),A2:A15),"none")',
        "N25": "Late or risk", "O25": '=SUMPRODUCT((G2:G15<>"On time")*B2:B15)',
    })
    wb.save(path)
    return path


def engineering(path: Path) -> Path:
    """A structural estimate: members, materials by name, CHOOSE/SWITCH/LET/IFS."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Members"
    _put(ws, {"A1": "Member", "B1": "Material", "C1": "Length m", "D1": "Diameter mm",
              "E1": "Load kN", "F1": "Density", "G1": "Yield MPa", "H1": "Area mm2",
              "I1": "Stress MPa", "J1": "Check", "K1": "Mass kg", "L1": "Bars",
              "M1": "Grade", "N1": "Code", "O1": "Utilisation",
              "Q1": "Safety factor", "R1": 1.5, "Q2": "Bar length", "R2": 6,
              "Q3": "Steel price", "R3": 1.45, "Q4": "Alu price", "R4": 3.2})
    mats = ["Steel", "Aluminium", "Steel", "Copper", "Steel", "Aluminium"]
    for i in range(2, 14):
        k = i - 2
        _put(ws, {
            f"A{i}": f"M{k + 1}", f"B{i}": mats[k % 6], f"C{i}": 2.5 + 0.75 * k,
            f"D{i}": 20 + 4 * (k % 5), f"E{i}": 15.0 + 6.5 * k,
            f"F{i}": f"=CHOOSE(MATCH(B{i},{{\"Steel\",\"Aluminium\",\"Copper\"}},0),7850,2700,8960)",
            f"G{i}": f'=SWITCH(B{i},"Steel",250,"Aluminium",95,"Copper",70,0)',
            f"H{i}": f"=PI()*(D{i}/2)^2",
            f"I{i}": f"=LET(_xlpm.f,E{i}*1000*$R$1,_xlpm.a,H{i},_xlpm.f/_xlpm.a)",
            f"J{i}": f'=IF(I{i}>G{i},"FAIL","OK")',
            f"K{i}": f"=ROUND(F{i}*H{i}/1000000*C{i},2)",
            f"L{i}": f"=ROUNDUP(C{i}/$R$2,0)",
            f"M{i}": f'=IFS(I{i}/G{i}>0.9,"A",I{i}/G{i}>0.6,"B",TRUE,"C")',
            f"N{i}": f'=UPPER(LEFT(B{i},2))&"-"&TEXT(D{i},"000")',
            f"O{i}": f"=IFERROR(I{i}/G{i},\"n/a\")",
        })
    _put(ws, {
        "Q6": "Total mass", "R6": "=SUM(K2:K13)",
        "Q7": "Steel mass", "R7": '=SUMIF(B2:B13,"Steel",K2:K13)',
        "Q8": "Failures", "R8": '=COUNTIF(J2:J13,"FAIL")',
        "Q9": "Max util", "R9": "=MAX(O2:O13)",
        "Q10": "Worst member", "R10": "=INDEX(A2:A13,MATCH(R9,O2:O13,0))",
        "Q11": "Cost", "R11": "=R7*R3+(R6-R7)*R4",
        "Q12": "Bars", "R12": "=SUMPRODUCT(L2:L13*(B2:B13=\"Steel\"))",
        "Q13": "Design OK", "R13": '=AND(R8=0,R9<1)',
        "Q14": "Message", "R14": '=IF(R13,"Design passes","Check "&R10)',
        "Q15": "Avg alu stress", "R15": '=IFERROR(AVERAGEIF(B2:B13,"Alu*",I2:I13),0)',
        "Q16": "Max steel stress", "R16": '=MAXIFS(I2:I13,B2:B13,"Steel")',
        "Q17": "Min copper util", "R17": '=MINIFS(O2:O13,B2:B13,"Copper")',
        "Q18": "Grade A", "R18": '=COUNTIFS(M2:M13,"A",B2:B13,"<>Copper")',
        "Q19": "Ceiling cost", "R19": "=CEILING(R11,50)",
        "Q20": "Mround", "R20": "=MROUND(R6,5)",
        "Q21": "Codes", "R21": '=TEXTJOIN(",",TRUE,N2:N4)',
        "Q22": "Mass per m", "R22": "=R6/SUM(C2:C13)",
        "Q23": "Length log", "R23": "=LOG10(SUM(C2:C13))+SQRT(R6)+ABS(R11-10000)/1000",
        "Q24": "Is num", "R24": "=ISNUMBER(O5)+ISTEXT(J5)*2+ISBLANK(P5)*4",
        "Q25": "Trunc", "R25": "=INT(R6/100)*100+MOD(R6,100)",
    })
    wb.save(path)
    return path


def loan_finance(path: Path) -> Path:
    """A 10-year project: capex, revenue ramp, loan schedule, NPV/IRR/MIRR/XNPV."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Model"
    _put(ws, {"A1": "Capex", "B1": 250000, "A2": "Loan share", "B2": 0.6,
              "A3": "Rate", "B3": 0.055, "A4": "Term", "B4": 12, "A5": "Price", "B5": 42.5,
              "A6": "Volume", "B6": 2200, "A7": "Growth", "B7": 0.04, "A8": "Opex %",
              "B8": 0.38, "A9": "Tax", "B9": 0.25, "A10": "Discount", "B10": 0.09,
              "A11": "Start", "B11": D(2025, 1, 1),
              "A13": "Year", "B13": "Date", "C13": "Revenue", "D13": "Opex", "E13": "Interest",
              "F13": "Principal", "G13": "Balance", "H13": "Depreciation", "I13": "Tax",
              "J13": "Cash flow", "K13": "Cum", "L13": "Payback flag", "M13": "DSCR",
              "N13": "Covenant"})
    ws["B11"].number_format = "yyyy-mm-dd"
    _put(ws, {"A14": 0, "B14": "=B11", "J14": "=-B1*(1-B2)", "K14": "=J14", "G14": "=B1*B2"})
    for i in range(15, 25):
        _put(ws, {
            f"A{i}": i - 14,
            f"B{i}": f"=EDATE(B{i - 1},12)",
            f"C{i}": f"=$B$5*$B$6*(1+$B$7)^(A{i}-1)",
            f"D{i}": f"=C{i}*$B$8",
            f"E{i}": f"=IF(A{i}<=$B$4,-IPMT($B$3,A{i},$B$4,$G$14),0)",
            f"F{i}": f"=IF(A{i}<=$B$4,-PPMT($B$3,A{i},$B$4,$G$14),0)",
            f"G{i}": f"=MAX(0,G{i - 1}-F{i})",
            f"H{i}": "=SLN($B$1,0,10)",
            f"I{i}": f"=MAX(0,(C{i}-D{i}-E{i}-H{i})*$B$9)",
            f"J{i}": f"=C{i}-D{i}-E{i}-F{i}-I{i}",
            f"K{i}": f"=K{i - 1}+J{i}",
            f"L{i}": f'=IF(AND(K{i}>=0,K{i - 1}<0),"Payback","")',
            f"M{i}": f'=IFERROR((C{i}-D{i})/(E{i}+F{i}),"n/a")',
            f"N{i}": f'=IF(ISNUMBER(M{i}),IF(M{i}<1.3,"Breach","OK"),"-")',
        })
    _put(ws, {
        "P1": "NPV", "Q1": "=NPV(B10,J15:J24)+J14",
        "P2": "IRR", "Q2": "=IFERROR(IRR(J14:J24),-1)",
        "P3": "MIRR", "Q3": "=MIRR(J14:J24,B3,B10)",
        "P4": "XNPV", "Q4": "=XNPV(B10,J14:J24,B14:B24)",
        "P5": "Payment", "Q5": "=PMT(B3,B4,-G14)",
        "P6": "Payback year", "Q6": '=IFERROR(INDEX(A15:A24,MATCH("Payback",L15:L24,0)),"never")',
        "P7": "Min DSCR", "Q7": "=MIN(M15:M22)",
        "P8": "Breaches", "Q8": '=COUNTIF(N15:N24,"Breach")',
        "P9": "Balance y3", "Q9": "=-FV(B3,3,-Q5,G14)",
        "P10": "PV", "Q10": "=PV(B10,10,-AVERAGE(J15:J24))",
        "P11": "Total interest", "Q11": "=-CUMIPMT(B3,B4,G14,1,B4,0)",
        "P12": "DDB yr1", "Q12": "=DDB(B1,B1*0.1,10,1)",
        "P13": "Verdict", "Q13": '=IF(Q1>0,IF(Q2>B10,"Invest","Marginal"),"Reject")',
        "P14": "Rate check", "Q14": "=RATE(B4,-Q5,G14)",
        "P15": "Nper", "Q15": "=NPER(B3,-Q5,G14)",
        "P16": "Summary", "Q16": '="NPV "&TEXT(Q1,"#,##0")&" / IRR "&TEXT(Q2,"0.0%")',
        "P17": "Peak debt yr", "Q17": "=HLOOKUP(\"Balance\",G13:G24,2,FALSE)",
        "P18": "Rev stdev", "Q18": "=STDEV.S(C15:C24)",
        "P19": "Rev pctl", "Q19": "=PERCENTILE.INC(C15:C24,0.9)",
        "P20": "Rank y5", "Q20": "=RANK.EQ(J19,J15:J24)",
        "P21": "Large2", "Q21": "=LARGE(J15:J24,2)-SMALL(J15:J24,2)",
        "P22": "Years to payback", "Q22": '=COUNTIF(K15:K24,"<0")',
        "P23": "End year", "Q23": "=YEAR(B24)",
        "P24": "DB yr2", "Q24": "=DB(B1,B1*0.1,10,2)",
    })
    wb.save(path)
    return path


MODELS: dict[str, Callable[[Path], Path]] = {
    "realistic_cost_risk.xlsx": cost_risk, "realistic_schedule.xlsx": schedule,
    "realistic_engineering.xlsx": engineering, "realistic_loan_finance.xlsx": loan_finance,
}


def write_models(folder: Path) -> list[Path]:
    """Every model above written to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return [build(folder / name) for name, build in MODELS.items()]


if __name__ == "__main__":
    for p in write_models(Path(sys.argv[1])):
        print(p)
