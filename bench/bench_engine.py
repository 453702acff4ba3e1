"""Benchmark: the numpy backend against pycel recalculating the workbook trial by trial.

    python bench/bench_engine.py [--trials 1000000] [--pycel-trials 200]

Both run the bundled example with the same inputs (its saved spec); pycel sets each input
cell and re-evaluates the outputs once per trial, which is what a per-trial recalculation
costs.  Prints trials/s of both, measured in one run, and the ratio.
"""

from __future__ import annotations

import argparse
import logging
import time


def _pycel_defined_names_shim() -> None:
    """pycel 1.0b30 reads defined names with the openpyxl 3.0 API; openpyxl 3.1 keeps them in a
    dict.  Give the baseline the names it needs so it can evaluate the example at all."""
    from pycel.excelwrapper import ExcelOpxWrapper

    def defined_names(self):
        if self.workbook is not None and self._defined_names is None:
            self._defined_names = {}
            for name, d_name in self.workbook.defined_names.items():
                dest = [(alias, ws) for ws, alias in d_name.destinations if ws in self.workbook]
                if dest:
                    self._defined_names[str(name)] = dest
        return self._defined_names

    ExcelOpxWrapper.defined_names = property(defined_names)


def pycel_rate(book, spec, model, trials: int) -> float:
    from pycel import ExcelCompiler

    _pycel_defined_names_shim()

    from engine.backends.numpy import draw_inputs
    from engine.simulate import prepare

    logging.getLogger("pycel").setLevel(logging.CRITICAL)
    job = prepare(model, spec)
    samples = draw_inputs(job, 0, trials)
    xl = ExcelCompiler(filename=str(book))
    outputs = [str(c) for c in job.program.outputs]
    for o in outputs:
        xl.evaluate(o)
    inputs = [(str(c), v) for c, v in samples.items()]
    t0 = time.perf_counter()
    for t in range(trials):
        for addr, vals in inputs:
            xl.set_value(addr, float(vals[t]))
        for o in outputs:
            xl.evaluate(o)
    return trials / (time.perf_counter() - t0)


def _pycel_can(model, cell) -> bool:
    from engine import ir
    from engine.functions.fallback import pycel_function

    cells = [cell, *model.upstream([cell])]
    return all(pycel_function(f) is not None for c in cells if model.is_formula(c)
               for f in ir.calls(model.code(c).node))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=1_000_000)
    ap.add_argument("--pycel-trials", type=int, default=200)
    args = ap.parse_args()

    from engine.model import Model
    from engine.simulate import simulate
    from engine.spec import SimulationSpec
    from mcdesk.cli import example_paths

    book, spec_path = example_paths()
    spec = SimulationSpec.load(spec_path)
    spec.trials = args.trials
    model = Model.open(book)
    # both engines compute the same outputs: those pycel can evaluate (it has no IRR)
    spec.outputs = [o for o in spec.outputs if _pycel_can(model, model.ref(o))]
    job_cells = len(model.compile([model.ref(i.cell) for i in spec.inputs],
                                  [model.ref(o) for o in spec.outputs]).steps)
    t0 = time.perf_counter()
    result = simulate(model, spec, backend="numpy")
    numpy_total = time.perf_counter() - t0
    numpy_rate = result.trials_per_s
    py_rate = pycel_rate(book, spec, model, args.pycel_trials)
    print(f"workbook: {book.name}: {len(spec.inputs)} inputs, {job_cells} formula cells in the "
          f"stochastic slice, {len(spec.outputs)} outputs")
    print(f"{'engine':<28}{'trials':>12}{'trials/s':>16}")
    print(f"{'pycel, trial by trial':<28}{args.pycel_trials:>12,}{py_rate:>16,.0f}")
    print(f"{'numpy backend':<28}{args.trials:>12,}{numpy_rate:>16,.0f}"
          f"   (end to end incl. compile and statistics: {args.trials / numpy_total:,.0f}/s)")
    print(f"ratio numpy / pycel: {numpy_rate / py_rate:,.0f}x")
    out = next(iter(result.outputs.values()))
    print(f"check: first output mean {out.mean:,.2f}, P95 {out.percentiles['95']:,.2f}")


if __name__ == "__main__":
    main()
