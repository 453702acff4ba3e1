"""A long list of generated cases split in two: the first ones checked by the default run,
the rest by a slow-marked test (``pytest -m slow``); an environment variable that sets the
count runs all of them in the default test.  Used by the differential tests
(test_fuzz_backends, test_libreoffice_differential)."""

from __future__ import annotations

import os

import pytest


def split_count(env: str, default: int, first: int) -> tuple[int, int]:
    """(how many cases, how many of them the default run checks): ``env`` (a whole number)
    or ``default`` cases, the first ``first`` by default, all of them where ``env`` is set."""
    total = int(os.environ.get(env, str(default)))
    return total, (total if env in os.environ else min(first, total))


def spans(total: int, first: int) -> list:
    """The ``(start, end)`` of the cases each test checks, as parameters: ``(0, first)``,
    then ``(first, total)`` marked slow (skipped by the test where ``first`` is all)."""
    rest = pytest.param((first, total), marks=pytest.mark.slow, id="rest")
    return [pytest.param((0, first), id="first"), rest]


def skip_empty(span: tuple[int, int]) -> None:
    """Skip a span without cases (the default run checked every one)."""
    if span[0] >= span[1]:
        pytest.skip("the default run checked every case")
