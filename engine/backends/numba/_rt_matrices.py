"""Runtime of the kernels' matrix functions (MINVERSE, MDETERM, FREQUENCY): the numpy
library's engine.functions.matrices and .frequency for one trial, compiled by numba.

A matrix is a float64 scratch array of one trial, ``n`` values a row, row by row.  The LU
factorization is LAPACK's getrf (partial pivoting, the first largest pivot of a column); the
determinant is numpy's ``sign * exp(sum(log|u_ii|))`` (0 where a pivot is 0), the inverse
getrs' forward and back substitution of each column of the identity.  Each function writes
only into the scratch arrays it is given (the CUDA twins in
engine/backends/cupy/_rt_matrices.py do the same).
"""

from __future__ import annotations

import math

from numba import njit

KERNEL_NAMES = ("mx_lu", "mx_inv_at", "mx_freq", "mx_sort_pos")

_jit = njit(nogil=True, cache=True)


@_jit
def mx_lu(a, n, piv):
    """``a`` (n x n) factored in place as P A = L U (L unit lower, U upper, rows swapped as
    ``piv`` says); the determinant as numpy computes it (0.0 where a pivot is 0)."""
    n = int(n)
    sign = 1.0
    logdet = 0.0
    zero = False
    for k in range(n):
        p = k
        best = abs(a[k * n + k])
        for i in range(k + 1, n):
            x = abs(a[i * n + k])
            if x > best:
                best = x
                p = i
        piv[k] = p
        if p != k:
            sign = -sign
            for j in range(n):
                t = a[k * n + j]
                a[k * n + j] = a[p * n + j]
                a[p * n + j] = t
        d = a[k * n + k]
        if d == 0.0:
            zero = True
            continue
        if d < 0.0:
            sign = -sign
        logdet += math.log(abs(d))
        for i in range(k + 1, n):
            a[i * n + k] /= d
        for i in range(k + 1, n):
            f = a[i * n + k]
            if f != 0.0:
                for j in range(k + 1, n):
                    a[i * n + j] -= f * a[k * n + j]
    if zero:
        return 0.0
    return sign * math.exp(logdet)


@_jit
def mx_inv_at(a, n, piv, y, r, c):
    """Element (r, c) of the inverse of the matrix in ``a`` (n x n, factored here; ``y`` a
    scratch of n); NaN where it is singular (numpy's determinant is 0: #NUM!)."""
    det = mx_lu(a, n, piv)
    if det == 0.0:
        return math.nan
    n = int(n)
    for i in range(n):
        y[i] = 0.0
    y[int(c)] = 1.0
    for k in range(n):   # the rows swapped as the factorization swapped them
        p = int(piv[k])
        if p != k:
            t = y[k]
            y[k] = y[p]
            y[p] = t
    for i in range(n):   # L y = P e_c
        s = y[i]
        for j in range(i):
            s -= a[i * n + j] * y[j]
        y[i] = s
    for i in range(n - 1, -1, -1):   # U x = y
        s = y[i]
        for j in range(i + 1, n):
            s -= a[i * n + j] * y[j]
        y[i] = s / a[i * n + i]
    return y[int(r)]


@_jit
def mx_freq(xv, xok, m, bv, bok, k, r):
    """FREQUENCY's count ``r`` (of k + 1): the numbers of ``xv`` (where ``xok``) at most bin
    r and above the bin just below it in ascending order (an equal bin written earlier takes
    them: 0); r == k: those above every bin.  A bin that is not a number counts nothing."""
    m, k, r = int(m), int(k), int(r)
    if r < k:
        if bok[r] == 0.0:
            return 0.0
        e = bv[r]
        lower = -math.inf
        for j in range(k):
            if bok[j] != 0.0:
                b = bv[j]
                if b == e and j < r:
                    return 0.0
                if b < e and b > lower:
                    lower = b
        cnt = 0.0
        for i in range(m):
            if xok[i] != 0.0 and xv[i] > lower and xv[i] <= e:
                cnt += 1.0
        return cnt
    top = -math.inf
    for j in range(k):
        if bok[j] != 0.0 and bv[j] > top:
            top = bv[j]
    cnt = 0.0
    for i in range(m):
        if xok[i] != 0.0 and xv[i] > top:
            cnt += 1.0
    return cnt


@_jit
def _before(kr, kv, j, i, desc):
    """Whether key j sorts before key i (ties: the one written first)."""
    if kr[j] == kr[i] and kv[j] == kv[i]:
        return j < i
    if desc:
        return kr[j] > kr[i] or (kr[j] == kr[i] and kv[j] > kv[i])
    return kr[j] < kr[i] or (kr[j] == kr[i] and kv[j] < kv[i])


@_jit
def mx_sort_pos(kr, kv, kb, n, k, desc):
    """SORTBY's row (from 1) sorted to position k (from 0) by keys (kind rank, value),
    ascending or descending, ties in written order, blanks (kb) last in written order."""
    n, k = int(n), int(k)
    filled = 0
    for i in range(n):
        if kb[i] == 0.0:
            filled += 1
    for i in range(n):
        pos = 0
        if kb[i] == 0.0:
            for j in range(n):
                if j != i and kb[j] == 0.0 and _before(kr, kv, j, i, desc):
                    pos += 1
        else:
            pos = filled
            for j in range(i):
                if kb[j] != 0.0:
                    pos += 1
        if pos == k:
            return float(i + 1)
    return 0.0


__all__ = ["KERNEL_NAMES", "mx_freq", "mx_inv_at", "mx_lu", "mx_sort_pos"]
