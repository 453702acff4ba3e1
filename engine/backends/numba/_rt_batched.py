"""Runtime inverse CDFs over an array of uniforms: one numba call verifies a sampler.

:func:`._samplers.verified` maps ~710 test uniforms through a candidate's runtime ppf and
compares them with the distribution's own.  Calling the ppf once a uniform from Python cost
~4 ms an input (AMD's 20,581 triangular inputs: 82 s of the slice's kernel generation); each
loop here calls the same compiled function for every uniform (as the kernel does), so the
numbers are the same bit for bit.  ``BATCHED``: ppf name -> its loop, ``many(u, p)`` with
``p`` the sampler's parameters as a float64 array (a table ppf: its ``dp``, offset 0).
"""

from __future__ import annotations

import numpy as np

from ._rt import (
    _jit,
    ppf_closed,
    ppf_discrete,
    ppf_lognormal,
    ppf_normal,
    ppf_pert,
    ppf_pertfast,
    ppf_special,
    ppf_triangular,
    ppf_uniform,
)


@_jit
def many_uniform(u, p):
    out = np.empty(u.size)
    for i in range(u.size):
        out[i] = ppf_uniform(u[i], p[0], p[1])
    return out


@_jit
def many_triangular(u, p):
    out = np.empty(u.size)
    for i in range(u.size):
        out[i] = ppf_triangular(u[i], p[0], p[1], p[2])
    return out


@_jit
def many_normal(u, p):
    out = np.empty(u.size)
    for i in range(u.size):
        out[i] = ppf_normal(u[i], p[0], p[1])
    return out


@_jit
def many_lognormal(u, p):
    out = np.empty(u.size)
    for i in range(u.size):
        out[i] = ppf_lognormal(u[i], p[0], p[1])
    return out


@_jit
def many_pert(u, p):
    out = np.empty(u.size)
    for i in range(u.size):
        out[i] = ppf_pert(u[i], p[0], p[1], p[2], p[3])
    return out


@_jit
def many_discrete(u, p):
    out = np.empty(u.size)
    for i in range(u.size):
        out[i] = ppf_discrete(u[i], p, 0)
    return out


@_jit
def many_pertfast(u, p):
    out = np.empty(u.size)
    for i in range(u.size):
        out[i] = ppf_pertfast(u[i], p, 0)
    return out


@_jit
def many_closed(u, p):
    out = np.empty(u.size)
    for i in range(u.size):
        out[i] = ppf_closed(u[i], p[0], p[1], p[2], p[3], p[4], p[5], p[6])
    return out


@_jit
def many_special(u, p):
    out = np.empty(u.size)
    for i in range(u.size):
        out[i] = ppf_special(u[i], p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7])
    return out


# ppf name -> (its loop, the number of parameters it takes; None: a table of any length)
BATCHED = {
    "ppf_uniform": (many_uniform, 2), "ppf_triangular": (many_triangular, 3),
    "ppf_normal": (many_normal, 2), "ppf_lognormal": (many_lognormal, 2),
    "ppf_pert": (many_pert, 4), "ppf_discrete": (many_discrete, None),
    "ppf_pertfast": (many_pertfast, None), "ppf_closed": (many_closed, 7),
    "ppf_special": (many_special, 8),
}

__all__ = ["BATCHED"]
