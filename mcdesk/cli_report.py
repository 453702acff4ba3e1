"""``mcdesk simulate``'s precision, risk and report options (``--precision``, ``--risk``,
``--report``, ``--results-book``): what they add to the spec before the run and to RESULT.json
and the files after it.  Engine modules are imported when an option is used (the CLI starts fast)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["PRECISION_CAP", "add_options", "addin_results", "after_run", "before_run"]

PRECISION_CAP = 10_000_000   # --precision's trial cap when neither --trials nor --spec gives one


def add_options(s: argparse.ArgumentParser) -> None:
    """The options on the ``simulate`` parser."""
    s.add_argument("--precision", action="append", default=[], metavar="CELL:STAT:TOL",
                   help="run until the 95%% half-width of STAT (mean or pNN) of CELL is within "
                        "TOL (a number, or a percentage of the statistic), e.g. "
                        "'Summary!B9:mean:1%%' (repeat for more: 95%% jointly); --trials is "
                        f"then the cap (default {PRECISION_CAP:,} without a --spec)")
    s.add_argument("--risk", action="store_true",
                   help="VaR and CVaR (expected shortfall) at 90/95/99%% with 95%% intervals, "
                        "printed and in RESULT.json")
    s.add_argument("--sensitivity", action="store_true",
                   help="regression (SRC, R^2), decile tornado, top/bottom 10%% scenarios and "
                        "Sobol indices per output in RESULT.json (sensitivity_analysis)")
    s.add_argument("--report", action="append", default=[], type=Path, metavar="FILE",
                   help="write a report: .html (self-contained, opens offline) or .xlsx")
    s.add_argument("--results-book", type=Path, metavar="FILE.xlsx",
                   help="write a copy of the workbook with a results sheet")
    s.add_argument("--simtable", metavar="CELL=V1,V2,...",
                   help="also run one simulation per value of a constant control cell, with "
                        "the same random numbers (RESULT.json's simtable; overlaid in --report)")


def parse_simtable(text: str) -> tuple[str, list[float]]:
    """``CELL=V1,V2,...`` as the cell and its values (SpecError naming the bad part)."""
    from engine.errors import SpecError

    cell, eq, rest = text.partition("=")
    if not eq or not cell.strip() or not rest.strip():
        raise SpecError(f"--simtable {text!r}: expected CELL=V1,V2,..., e.g. 'Inputs!C1=1,2,3'")
    values = []
    for part in rest.split(","):
        try:
            values.append(float(part))
        except ValueError:
            raise SpecError(f"--simtable {text!r}: {part.strip()!r} is not a number") from None
    return cell.strip(), values


def before_run(args: argparse.Namespace, spec: Any) -> None:
    """``--precision`` targets into the spec (replacing its own targets); a ``--report`` that
    is neither .html nor .xlsx, or a bad ``--simtable``, refused before the run."""
    from engine.errors import SpecError

    if getattr(args, "simtable", None):
        parse_simtable(args.simtable)
        if getattr(args, "backend", "auto") in ("remote", "dask"):
            raise SpecError("--simtable runs in this process: use --backend auto, numpy, numba "
                            "or cupy")

    for path in getattr(args, "report", None) or []:
        if path.suffix.lower() not in (".html", ".htm", ".xlsx"):
            raise SpecError(f"--report {path}: the file must end in .html or .xlsx")
    texts = getattr(args, "precision", None) or []
    if not texts:
        return
    from engine.precision import PrecisionSpec, parse_target

    old = spec.precision
    targets = [parse_target(t) for t in texts]
    spec.precision = PrecisionSpec(targets) if old is None else PrecisionSpec(
        targets, old.min_trials, old.check_every, old.confidence)
    if getattr(args, "trials", None) is None and not getattr(args, "spec", None):
        spec.trials = PRECISION_CAP


def after_run(args: argparse.Namespace, spec: Any, result: Any,
              data: dict[str, Any], model: Any = None) -> dict[str, Any]:
    """Add ``--risk`` and ``--simtable`` to RESULT.json's ``data``, print precision and risk
    lines, write the reports; returns ``data``."""
    quiet = getattr(args, "quiet", False)
    table: list[tuple[float, Any]] = []
    if getattr(args, "simtable", None) and model is not None:
        from engine.scenarios import simtable

        cell, values = parse_simtable(args.simtable)
        runs = simtable(model, spec, cell, values, backend=args.backend)
        table = list(zip(values, runs, strict=True))
        data["simtable"] = {"cell": cell, "runs": [{"value": v, **r.to_dict()}
                                                   for v, r in table]}
        if not quiet:
            for v, r in table:
                means = ", ".join(f"{k} mean {o.mean:.6g}" for k, o in r.outputs.items()
                                  if o.mean is not None)
                print(f"simtable {cell} = {v:g}: {means}")
    p = data.get("precision")
    if p and not quiet:
        where = ", ".join(f"{t['target']} ±{t['half_width']:.4g}" if t["half_width"] is not None
                          else t["target"] for t in p["targets"])
        state = "met" if p["converged"] else f"NOT met at the cap of {p['cap']:,} trials"
        print(f"precision {state} after {p['trials']:,} trials: {where}")
    if getattr(args, "risk", False):
        _add_risk(result, data, quiet)
    if getattr(args, "sensitivity", False):
        _add_sensitivity(result, data)
    reports = getattr(args, "report", None) or []
    book_copy = getattr(args, "results_book", None)
    if reports or book_copy:
        from engine.report import report_data, write_html, write_results_workbook, write_xlsx

        names = {**data.get("input_names", {}),
                 **{c: o.get("name") for c, o in data["outputs"].items()}}
        rd = report_data(result, spec, args.book, names=names,
                         statistics=(data.get("addins") or {}).get("statistics"))
        if "simtable" in data:
            rd["simtable"] = data["simtable"]
        for path in reports:
            suffix = path.suffix.lower()
            if suffix in (".html", ".htm"):
                write_html(path, rd)
            else:   # .xlsx (before_run refused the rest)
                write_xlsx(path, rd)
            if not quiet:
                print(f"report written to {path}")
        if book_copy:
            write_results_workbook(args.book, book_copy, rd)
            _fill_statistics(book_copy, data)
            if not quiet:
                print(f"workbook with results written to {book_copy}")
    return data


def addin_results(args: argparse.Namespace, model: Any, spec: Any, result: Any,
                  data: dict[str, Any]) -> None:
    """RESULT.json's ``addins`` for a workbook built for @RISK, Analytic Solver or ModelRisk:
    its product, inputs and outputs with their names, each statistics cell (``RiskMean(B5)``)
    computed from the run; and ``simtable``: one simulation per simtable value (the form
    --simtable writes, with each simulation's number and values).  Prints the statistics
    and simtable lines."""
    from engine.addin_models import addin_book, statistic_values
    from engine.scenarios import addin_simtable

    book = addin_book(model)
    quiet = getattr(args, "quiet", False)
    out: dict[str, Any] = {"product": book.product,
                           "inputs": {i.cell: i.name for i in book.inputs},
                           "outputs": dict(book.outputs)}
    out["statistics"] = stats = statistic_values(model, result, spec)
    if not quiet:
        for cell, got in stats.items():
            shown = f"{got['value']:.6g}" if got["value"] is not None else f"#N/A ({got['note']})"
            print(f"{cell} {got['formula']}: {shown}")
    if book.simtables and not getattr(args, "simtable", None):
        if getattr(args, "backend", "auto") in ("remote", "dask"):
            print("mcdesk: warning: the simtable's other simulations run in this process: use "
                  "--backend auto, numpy, numba or cupy to run them", file=sys.stderr)
        else:
            runs = addin_simtable(model, spec, first=result, backend=args.backend)
            host = {s.address: str(ref) for ref, c in book.cells.items() for s in c.slots}
            first_slot = next(iter(book.simtables))
            data["simtable"] = {"cell": host[first_slot], "runs": [
                {"value": book.simtables[first_slot][k], "simulation": k + 1,
                 "values": {host[c]: v[min(k, len(v) - 1)] for c, v in book.simtables.items()},
                 **r.to_dict()} for k, r in enumerate(runs)]}
            if not quiet:
                for k, r in enumerate(runs):
                    means = ", ".join(f"{c} mean {o.mean:.6g}" for c, o in r.outputs.items()
                                      if o.mean is not None)
                    print(f"simulation {k + 1} ({host[first_slot]} = "
                          f"{book.simtables[first_slot][k]:g}): {means}")
    data["addins"] = out


def _fill_statistics(path: Path, data: dict[str, Any]) -> None:
    """The statistics cells of the results copy hold the run's values."""
    from engine._results_sheet import set_cached_values

    stats = (data.get("addins") or {}).get("statistics") or {}
    values = {}
    for cell, got in stats.items():
        sheet, _, coord = cell.rpartition("!")
        if sheet.startswith("'"):
            sheet = sheet[1:-1].replace("''", "'")
        values[(sheet, coord)] = got["value"]
    set_cached_values(path, values)


def _add_risk(result: Any, data: dict[str, Any], quiet: bool) -> None:
    import numpy as np

    from engine.errors import McdeskError
    from engine.risk import risk_measures

    samples = result.samples
    if samples is None:
        raise McdeskError("--risk needs the run's samples (this backend kept none)")
    for cell, out in data["outputs"].items():
        y = np.asarray(samples.outputs[cell], dtype=np.float64)
        if not np.isfinite(y).any():
            out["risk"] = None
            continue
        out["risk"] = risk_measures(y)
        if not quiet:
            parts = [f"VaR{lv} {r['value']:.6g} CVaR{lv} {out['risk']['cvar'][lv]['value']:.6g}"
                     for lv, r in out["risk"]["var"].items()]
            print(f"{cell} risk (upper tail): " + ", ".join(parts), file=sys.stdout)


def _add_sensitivity(result: Any, data: dict[str, Any]) -> None:
    from engine.errors import McdeskError
    from engine.report import SENSITIVITY_TRIALS
    from engine.sensitivity import analyse

    samples = result.samples
    if samples is None or not samples.inputs:
        raise McdeskError("--sensitivity needs the run's samples and at least one input")
    k = SENSITIVITY_TRIALS
    xs = {n: v[:k] for n, v in samples.inputs.items()}
    for cell, out in data["outputs"].items():
        out["sensitivity_analysis"] = analyse(xs, samples.outputs[cell][:k]).to_dict()
