"""Every distribution of the library against scipy.stats: mean, variance and 20 quantiles,
the CDF, the numba runtime's inverse CDF where the kernel draws it, and Latin hypercube
samples; truncation and shift against scipy's truncated and shifted forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from engine.distributions import KINDS, make_distribution
from engine.errors import SpecError
from engine.sampling import lhs_uniforms
from engine.spec import parse_input_arg


def _lognorm(mean: float, sd: float):
    s2 = math.log(1 + (sd / mean) ** 2)
    return stats.lognorm(math.sqrt(s2), scale=math.exp(math.log(mean) - s2 / 2))


class _GeneralRef:
    """RiskGeneral's density (linear through the points, 0 at min and max), integrated on a
    fine grid that holds the points (the trapezoid rule is exact for a linear density)."""

    def __init__(self, xs, ws):
        self.x = np.unique(np.concatenate([np.linspace(xs[0], xs[-1], 400_001), xs]))
        pdf = np.interp(self.x, xs, ws)
        pdf /= np.trapezoid(pdf, self.x)
        self.pdf = pdf
        self.c = np.concatenate([[0.0], np.cumsum((pdf[1:] + pdf[:-1]) / 2 * np.diff(self.x))])

    def mean(self):
        return np.trapezoid(self.x * self.pdf, self.x)

    def var(self):
        return np.trapezoid((self.x - self.mean()) ** 2 * self.pdf, self.x)

    def ppf(self, q):
        return np.interp(q, self.c, self.x)

    def cdf(self, x):
        return np.interp(x, self.x, self.c)

    def support(self):
        return self.x[0], self.x[-1]


def _cumul_ref(xs, ps):
    return stats.rv_histogram((np.diff(ps), np.asarray(xs, float)), density=False)


# kind, params (as a spec writes them), the scipy reference, continuous?
TABLE = [
    ("triangular", {"min": 1, "mode": 2, "max": 4}, stats.triang(1 / 3, loc=1, scale=3)),
    ("pert", {"min": 1, "mode": 2, "max": 4}, stats.beta(1 + 4 / 3, 1 + 8 / 3, loc=1, scale=3)),
    ("pert", {"min": 1, "mode": 2, "max": 4, "shape": 8},
     stats.beta(1 + 8 / 3, 1 + 16 / 3, loc=1, scale=3)),
    ("uniform", {"min": -1, "max": 3}, stats.uniform(-1, 4)),
    ("intuniform", {"min": 3, "max": 9}, stats.randint(3, 10)),
    ("normal", {"mean": 10, "sd": 2}, stats.norm(10, 2)),
    ("lognormal", {"mean": 5, "sd": 1.5}, _lognorm(5, 1.5)),
    ("lognormal2", {"mu": 0.5, "sigma": 0.4}, stats.lognorm(0.4, scale=math.exp(0.5))),
    ("beta", {"alpha1": 2, "alpha2": 5}, stats.beta(2, 5)),
    ("betageneral", {"alpha1": 2, "alpha2": 5, "min": 10, "max": 20},
     stats.beta(2, 5, loc=10, scale=10)),
    ("gamma", {"alpha": 2.5, "beta": 3}, stats.gamma(2.5, scale=3)),
    ("erlang", {"m": 3, "beta": 2}, stats.erlang(3, scale=2)),
    ("exponential", {"beta": 4}, stats.expon(scale=4)),
    ("weibull", {"alpha": 1.7, "beta": 3}, stats.weibull_min(1.7, scale=3)),
    ("logistic", {"alpha": 5, "beta": 2}, stats.logistic(5, 2)),
    ("loglogistic", {"gamma": 1, "beta": 2, "alpha": 4}, stats.fisk(4, loc=1, scale=2)),
    ("student", {"nu": 7}, stats.t(7)),
    ("chisq", {"nu": 5}, stats.chi2(5)),
    ("pareto", {"theta": 3.5, "a": 2}, stats.pareto(3.5, scale=2)),
    ("extvalue", {"alpha": 3, "beta": 2}, stats.gumbel_r(3, 2)),
    ("rayleigh", {"beta": 2}, stats.rayleigh(scale=2)),
    ("cumul", {"min": 0, "max": 10, "values": [2, 5, 8], "probabilities": [0.1, 0.5, 0.9]},
     _cumul_ref([0, 2, 5, 8, 10], [0, 0.1, 0.5, 0.9, 1])),
    ("histogram", {"min": 0, "max": 10, "probabilities": [1, 3, 4, 2]},
     stats.rv_histogram((np.array([1, 3, 4, 2.0]), np.linspace(0, 10, 5)), density=False)),
    ("general", {"min": 0, "max": 10, "values": [2, 5, 8], "weights": [1, 3, 1]},
     _GeneralRef([0, 2, 5, 8, 10], [0, 1, 3, 1, 0])),
    ("discrete", {"values": [0, 1, 3], "probabilities": [0.6, 0.3, 0.1]},
     stats.rv_discrete(values=([0, 1, 3], [0.6, 0.3, 0.1]))),
    ("binomial", {"n": 12, "p": 0.3}, stats.binom(12, 0.3)),
    ("poisson", {"lambda": 3.5}, stats.poisson(3.5)),
    ("geometric", {"p": 0.25}, stats.geom(0.25, loc=-1)),
    ("negbin", {"s": 3, "p": 0.4}, stats.nbinom(3, 0.4)),
    ("hypergeo", {"n": 5, "d": 7, "m": 20}, stats.hypergeom(20, 7, 5)),
    ("bernoulli", {"p": 0.3}, stats.bernoulli(0.3)),
]
IDS = [f"{k}-{i}" for i, (k, _, _) in enumerate(TABLE)]
Q = (np.arange(20) + 0.5) / 20
Q_TAILS = np.array([1e-9, 1e-4, 0.999, 1 - 1e-9])


def test_every_kind_is_in_the_table():
    assert {k for k, _, _ in TABLE} | {"trigen"} == set(KINDS)


@pytest.mark.parametrize(("kind", "params", "ref"), TABLE, ids=IDS)
def test_against_scipy(kind, params, ref):
    d = make_distribution(kind, params, where="Inputs!D2")
    tol = 1e-7 if kind == "general" else 1e-10
    assert d.mean == pytest.approx(float(ref.mean()), rel=tol, abs=1e-12)
    assert d.variance == pytest.approx(float(ref.var()), rel=tol)
    np.testing.assert_allclose(d.ppf(Q), ref.ppf(Q), rtol=tol, atol=1e-12)
    if kind != "general":
        np.testing.assert_allclose(d.ppf(Q_TAILS), ref.ppf(Q_TAILS), rtol=1e-6)
    x = ref.ppf(Q)
    np.testing.assert_allclose(d.cdf(x), ref.cdf(x), rtol=tol, atol=1e-12)
    assert d.describe().startswith(f"{kind}(")
    assert math.isfinite(d.nominal)
    # params() round-trips through make_distribution
    again = make_distribution(kind, d.params(), where="Inputs!D2")
    np.testing.assert_array_equal(again.ppf(Q), d.ppf(Q))


@pytest.mark.parametrize(("kind", "params", "ref"), TABLE, ids=IDS)
def test_latin_hypercube(kind, params, ref):
    n = 4096
    d = make_distribution(kind, params, where="Inputs!D2")
    u = lhs_uniforms(7, 11, 0, n, n)
    x = d.ppf(u)
    assert np.isfinite(x).all()
    lo, hi = ref.support()
    assert x.min() >= lo - 1e-12 and x.max() <= hi + 1e-12
    # one sample per stratum makes the sample mean far closer than Monte Carlo's sd/64
    assert abs(x.mean() - d.mean) < 0.02 * math.sqrt(d.variance)


def test_trigen_is_the_triangle_with_those_percentiles():
    d = make_distribution("trigen", {"bottom": 2, "mode": 3, "top": 6, "pbottom": 0.1,
                                     "ptop": 0.9}, where="A1")
    ref = stats.triang((d.mode - d.min) / (d.max - d.min), loc=d.min, scale=d.max - d.min)
    assert ref.cdf(2) == pytest.approx(0.1, abs=1e-12)
    assert ref.cdf(6) == pytest.approx(0.9, abs=1e-12)
    np.testing.assert_allclose(d.ppf(Q), ref.ppf(Q), rtol=1e-12)
    assert d.mean == pytest.approx(ref.mean(), rel=1e-12)
    assert d.nominal == 3.0
    assert make_distribution("trigen", {"bottom": 2, "mode": 3, "top": 6, "pbottom": 0,
                                        "ptop": 1}, where="A1").params()["bottom"] == 2


BAD = [
    ("gamma", {"alpha": -1, "beta": 2}, "Inputs!D2: gamma needs alpha > 0 and beta > 0, "
                                        "got alpha=-1, beta=2"),
    ("erlang", {"m": 2.5, "beta": 1}, "erlang needs a whole number m >= 1"),
    ("binomial", {"n": 10, "p": 1.5}, "binomial needs 0 <= p <= 1"),
    ("hypergeo", {"n": 30, "d": 7, "m": 20}, "hypergeo needs m >= 1, n <= m and d <= m"),
    ("cumul", {"min": 0, "max": 10, "values": [5, 2], "probabilities": [0.1, 0.5]},
     "values strictly increasing"),
    ("cumul", {"min": 0, "max": 10, "values": [2, 5], "probabilities": [0.6, 0.5]},
     "cumulative probabilities ascending"),
    ("general", {"min": 0, "max": 10, "values": [2], "weights": [1, 2]},
     "as many weights as values"),
    ("trigen", {"bottom": 2, "mode": 3, "top": 6, "pbottom": 0.9, "ptop": 0.1},
     "0 <= pbottom < ptop <= 1"),
    ("pert", {"min": 1, "mode": 2, "max": 4, "shape": 0}, "pert needs shape > 0"),
    ("weibull", {"alpha": 1}, "missing beta"),
]


@pytest.mark.parametrize(("kind", "params", "message"), BAD)
def test_errors_name_the_cell_and_the_parameter(kind, params, message):
    with pytest.raises(SpecError) as info:
        make_distribution(kind, params, where="Inputs!D2")
    assert str(info.value).startswith("Inputs!D2: ")
    assert message in str(info.value)


# ----------------------------------------------------------------- numba runtime
def test_numba_draws_what_numpy_draws():
    pytest.importorskip("numba")
    from engine.backends.numba._samplers import OUTSIDE, _runtime_ppf, sampler_for, test_uniforms

    u = test_uniforms()
    inside = []
    for kind, params, _ in TABLE + [("trigen", {"bottom": 2, "mode": 3, "top": 6,
                                                "pbottom": 0.1, "ptop": 0.9}, None)]:
        d = make_distribution(kind, params, where="A1")
        s = sampler_for(d)
        if s is OUTSIDE:
            continue
        inside.append(kind)
        np.testing.assert_allclose(_runtime_ppf(s, u), d.ppf(u), rtol=1e-12, atol=0)
    assert {"triangular", "trigen", "pert", "uniform", "normal", "lognormal", "lognormal2",
            "beta", "betageneral", "discrete"} | CLOSED_FORM | SPECIAL <= set(inside)


# the kinds whose inverse CDF is a closed formula, drawn in the kernels (numba and CUDA)
CLOSED_FORM = {"exponential", "weibull", "logistic", "loglogistic", "pareto", "extvalue",
               "rayleigh", "intuniform", "bernoulli", "geometric"}
# through scipy's gammaincinv and stdtrit, linked into the numba kernel (the CUDA kernel draws
# them on the host)
SPECIAL = {"gamma", "erlang", "chisq", "student"}
# truncated and shifted: drawn in the kernels too (the uniform mapped into [F(lo), F(hi)])
ADJUSTED = ["exponential(4; truncate=(,10))", "weibull(1.7,3; truncate=(1,4); shift=2)",
            "pareto(3.5,2; truncate=(,5))", "logistic(5,2; ptruncate=(0.05,0.9); shift=-3)",
            "extvalue(3,2; truncate=(0,8))", "loglogistic(1,2,4; shift=0.5)",
            "rayleigh(2; truncate=(1,))", "intuniform(3,9; truncate=(4,7); shift=10)",
            "geometric(0.25; truncate=(2,6); shift=-1)", "bernoulli(0.3; shift=2)",
            "gamma(2.5,3; shift=-4)", "student(7; truncate=(-2,3))",
            "chisq(5; ptruncate=(0.1,))", "erlang(3,2; truncate=(1,10); shift=1)",
            # kinds with their own sampler, truncated or shifted
            "normal(10,2; truncate=(8,13); shift=5)", "lognormal(5,1.5; truncate=(2,9))",
            "lognormal2(0.5,0.4; shift=1)", "uniform(-1,3; ptruncate=(0.1,0.9))",
            "triangular(1,2,4; truncate=(1.5,3.5); shift=10)", "trigen(2,3,6,0.1,0.9; shift=1)",
            "pert(1,2,4; truncate=(1.5,))", "beta(2,5; shift=1)",
            "betageneral(2,5,10,20; truncate=(12,18))"]


@pytest.mark.parametrize("text", ADJUSTED)
def test_numba_draws_truncated_and_shifted_kinds(text):
    pytest.importorskip("numba")
    from engine.backends.numba._samplers import _runtime_ppf, sampler_for, test_uniforms

    d = _dist(text)
    s = sampler_for(d)
    by_beta = {"pert", "beta", "betageneral"}
    assert s.ppf == ("ppf_special" if d.name in SPECIAL | by_beta else "ppf_closed")
    u = test_uniforms()
    want = d.ppf(u)
    np.testing.assert_allclose(_runtime_ppf(s, u), want, rtol=1e-12, atol=0)
    assert s.bounds[0] <= want.min() and want.max() <= s.bounds[1]


def test_numba_kernel_draws_the_moved_kinds_as_numpy_does(tmp_path):
    """A model of the moved kinds (four truncated or shifted) run by the numba backend: every
    input drawn in the kernel, samples and output equal numpy's to 1e-13, with Monte Carlo
    and Latin hypercube."""
    pytest.importorskip("numba")
    from engine.backends.numba import NumbaBackend
    from engine.backends.numpy import NumpyBackend
    from engine.model import Model
    from engine.sampling import Sampling
    from engine.simulate import prepare
    from engine.spec import InputSpec, SimulationSpec

    rows = [(k, p, {}) for k, p, _ in TABLE if k in CLOSED_FORM | SPECIAL]
    rows += [("weibull", {"alpha": 1.7, "beta": 3}, {"truncate": {"min": 1, "max": 4},
                                                     "shift": 2.0}),
             ("geometric", {"p": 0.25}, {"truncate": {"pmin": 0.2}, "shift": -1.0}),
             ("normal", {"mean": 10, "sd": 2}, {"truncate": {"min": 8, "max": 13}, "shift": 5.0}),
             ("pert", {"min": 1, "mode": 2, "max": 4}, {"truncate": {"min": 1.5}})]
    inputs = [InputSpec(f"Sheet1!A{i + 1}", k, p, **extra)
              for i, (k, p, extra) in enumerate(rows)]
    cells: dict[str, object] = {f"Sheet1!A{i + 1}": 1.0 for i in range(len(rows))}
    cells["Sheet1!B1"] = "=" + "+".join(f"A{i + 1}" for i in range(len(rows)))
    model = Model.from_cells(cells)
    be = NumbaBackend(kernel_dir=tmp_path)
    try:
        for sampling in (Sampling.MC, Sampling.LHS):
            job = prepare(model, SimulationSpec(inputs=inputs, outputs=["Sheet1!B1"],
                                                trials=3_000, seed=2**33 + 5,
                                                sampling=sampling))
            got, want = be.run(job, 0, 3_000), NumpyBackend().run(job, 0, 3_000)
            assert be.last_fallback.external_inputs == []
            for c in job.distributions:
                np.testing.assert_allclose(got.inputs[c], want.inputs[c], rtol=1e-13, atol=0,
                                           err_msg=str(c))
            c = job.program.outputs[0]
            np.testing.assert_allclose(got.outputs[c], want.outputs[c], rtol=1e-13)
    finally:
        be.close()


# ----------------------------------------------------------------- properties
def _dist(text: str):
    return parse_input_arg(f"In!A1={text}").resolve(lambda ref: 0.0)


TRUNCATED = [
    ("normal(10,2; truncate=(8,13))", stats.truncnorm(-1, 1.5, loc=10, scale=2)),
    ("normal(10,2; truncate=(8,))", stats.truncnorm(-1, np.inf, loc=10, scale=2)),
    ("normal(10,2; ptruncate=(0.1,0.95))",
     stats.truncnorm(stats.norm.ppf(0.1), stats.norm.ppf(0.95), loc=10, scale=2)),
    ("normal(10,2; truncate=(8,13); shift=5)", stats.truncnorm(-1, 1.5, loc=15, scale=2)),
    ("gamma(2.5,3; shift=-4)", stats.gamma(2.5, loc=-4, scale=3)),
    ("exponential(4; truncate=(,10))", stats.truncexpon(2.5, scale=4)),
    ("weibull(1.7,3; truncate=(1,4))", stats.truncweibull_min(1.7, 1 / 3, 4 / 3, scale=3)),
    ("pareto(3.5,2; truncate=(,5))", stats.truncpareto(3.5, 2.5, scale=2)),
]


@pytest.mark.parametrize(("text", "ref"), TRUNCATED, ids=[t for t, _ in TRUNCATED])
def test_truncation_and_shift_against_scipy(text, ref):
    d = _dist(text)
    assert d.mean == pytest.approx(float(ref.mean()), rel=1e-8)
    assert d.variance == pytest.approx(float(ref.var()), rel=1e-7)
    np.testing.assert_allclose(d.ppf(Q), ref.ppf(Q), rtol=1e-9)
    x = d.ppf(lhs_uniforms(3, 5, 0, 2000, 2000))
    lo, hi = ref.support()
    assert x.min() >= lo and x.max() <= hi


def test_truncated_discrete_keeps_the_values_inside():
    d = _dist("poisson(3.5; truncate=(2,6))")
    k = np.arange(2, 7)
    p = stats.poisson(3.5).pmf(k)
    p /= p.sum()
    assert d.mean == pytest.approx(float(np.dot(k, p)), rel=1e-12)
    assert d.variance == pytest.approx(float(np.dot((k - np.dot(k, p)) ** 2, p)), rel=1e-10)
    x = d.ppf(lhs_uniforms(3, 5, 0, 10_000, 10_000))
    counts = np.array([(x == v).sum() for v in k]) / len(x)
    np.testing.assert_allclose(counts, p, atol=2e-4)   # stratified: within a stratum or two


def test_truncated_triangle_by_quadrature():
    d = _dist("triangular(1,2,4; truncate=(1.5,3.5); shift=10; static=12.5; name=\"Steel\")")
    ref = stats.triang(1 / 3, loc=1, scale=3)
    z = ref.cdf(3.5) - ref.cdf(1.5)
    mean = integrate.quad(lambda t: t * ref.pdf(t), 1.5, 3.5)[0] / z + 10
    assert d.mean == pytest.approx(mean, rel=1e-9)
    x = d.ppf(Q)
    assert x.min() > 11.5 and x.max() < 13.5
    assert d.nominal == 12.5 and d.label == "Steel"
    assert "truncate=(min=1.5, max=3.5)" in d.describe()


@pytest.mark.parametrize(("text", "message"), [
    ("normal(10,2; truncate=(30,40))", "leaves no probability"),
    ("normal(10,2; truncate=(5,1))", "truncate needs min < max"),
    ("normal(10,2; ptruncate=(0.5,1.5))", "0 <= pmin < pmax <= 1"),
    ("normal(10,2; stream=-1)", "stream must be a whole number"),
    ("normal(10,2; color=3)", "unknown property 'color'"),
    ("normal(10,2; name=Steel)", 'a "quoted" name'),
])
def test_property_errors(text, message):
    with pytest.raises(SpecError) as info:
        _dist(text)
    assert message in str(info.value)
