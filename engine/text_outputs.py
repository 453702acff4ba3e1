"""Outputs whose trials give text: each trial's label, and the share of each label.

A risk model's output is often text: ``IF(cost>budget,"over","within")``, a grade, a status,
``VLOOKUP(days, ages, 2)`` returning ``"61 - 90 days"``; or a mix of numbers, text, logicals
and errors per trial.  Such an output is summarised by the share of each label, not as
``#VALUE!``.

Per trial, the arrays every backend fills keep their meaning: ``outputs`` float64, NaN where
the trial gave no number; ``errors`` uint8, the Excel error code, #VALUE! where the trial
gave text (as it always was: every check of a backend against numpy compares them).  A
trial *gave text* where its error code is #VALUE! and it has a label (:func:`is_text`);
such a trial is not an Excel error (summaries do not count it in ``errors``) and not a
number.  A logical result stays a number (1/0: the mean of a TRUE/FALSE output is the
share of TRUE) and is labelled ``TRUE``/``FALSE`` as well.

The labels travel beside the arrays, for the outputs that have any: a :class:`TextColumn`,
each trial's label id (int32 in a chunk, int16 in a run's column; :data:`NO_LABEL` for a number or an error, :data:`OTHER` for a
label beyond the table) and the strings the ids index.  A chunk's column is the chunk's own
table; a run's :class:`LabelColumn` interns every chunk's strings into one
:class:`LabelTable` (thread-safe), so a run's ids are one numbering whatever the chunks,
threads or batches, and a streamed run's :class:`LabelTally` adds the chunks' counts by
label.  Both are bounded: at most :data:`MAX_LABELS` distinct labels per output are told
apart (a per-trial unique string cannot fill memory); a trial whose label comes after those
counts as ``other``.  Up to that bound the counts are exact and do not depend on the
chunking.  Summaries report the :data:`TOP_LABELS` most frequent labels and the rest as
``other`` (:func:`top_labels`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .values import VALUE

__all__ = ["MAX_LABELS", "NO_LABEL", "OTHER", "TOP_LABELS", "LabelColumn", "LabelTable",
           "LabelTally", "TextColumn", "boolean_column", "factorize", "is_text",
           "label_counts", "top_labels"]

NO_LABEL = -1      # a trial that gave a number (not a logical), a blank or an error
OTHER = -2         # a label beyond the first MAX_LABELS of an output
MAX_LABELS = 4096  # distinct labels told apart per output (ids fit int16)
TOP_LABELS = 50    # labels a summary names; the rest count as "other"
_BOOLS = ["FALSE", "TRUE"]


@dataclass
class TextColumn:
    """One output's labels over a range of trials: ``ids[i]`` indexes ``strings``
    (:data:`NO_LABEL`: no label; :data:`OTHER`: a label beyond the table)."""

    ids: np.ndarray       # integer ids, one per trial
    strings: list[str]


def is_text(errors: np.ndarray, col: TextColumn | None) -> np.ndarray:
    """Which trials gave text: #VALUE! in ``errors`` and a label in ``col``."""
    errors = np.asarray(errors)
    if col is None:
        return np.zeros(errors.shape, dtype=bool)
    return (errors == VALUE) & (np.asarray(col.ids) != NO_LABEL)


def factorize(texts: Iterable[object], out: np.ndarray, where: np.ndarray) -> list[str]:
    """Write into ``out`` (int32) the id of each element of ``texts`` that ``where`` marks, in
    the list returned (ids in order of first appearance); the others are left alone."""
    index: dict[str, int] = {}
    for i in np.flatnonzero(where).tolist():
        s = str(texts[i])  # type: ignore[index]
        k = index.get(s)
        if k is None:
            k = index[s] = len(index)
        out[i] = k
    return list(index)


def boolean_column(values: np.ndarray, ok: np.ndarray) -> TextColumn:
    """Logical results (``values`` 1/0) labelled TRUE/FALSE where ``ok``."""
    ids = np.where(ok, np.asarray(values) != 0, NO_LABEL).astype(np.int32)
    return TextColumn(ids, list(_BOOLS))


class LabelTable:
    """Strings numbered in the order they are first interned, at most ``cap`` of them
    (later ones get :data:`OTHER`).  Thread-safe."""

    def __init__(self, cap: int = MAX_LABELS) -> None:
        self.cap = cap
        self.strings: list[str] = []
        self._ids: dict[str, int] = {}
        self._lock = threading.Lock()

    def intern(self, strings: Sequence[str]) -> np.ndarray:
        """The table's ids of ``strings`` (int32), adding the new ones while there is room."""
        out = np.empty(len(strings), dtype=np.int32)
        with self._lock:
            for i, s in enumerate(strings):
                k = self._ids.get(s)
                if k is None:
                    if len(self.strings) < self.cap:
                        k = self._ids[s] = len(self.strings)
                        self.strings.append(s)
                    else:
                        k = OTHER
                out[i] = k
        return out

    def remap(self, col: TextColumn) -> np.ndarray:
        """``col``'s ids in this table's numbering (int16: the table holds at most
        :data:`MAX_LABELS`)."""
        ids = np.asarray(col.ids)
        if not col.strings:
            return np.where(ids >= 0, OTHER, ids).astype(np.int16)
        table = self.intern(col.strings)
        return np.where(ids >= 0, table[np.clip(ids, 0, None)], ids).astype(np.int16)


class LabelColumn:
    """A run's labels of one output, ``n`` trials (ids in one :class:`LabelTable`; int16,
    2 bytes per trial)."""

    def __init__(self, n: int, table: LabelTable | None = None) -> None:
        self.table = table or LabelTable()
        self.ids = np.full(n, NO_LABEL, dtype=np.int16)

    def put(self, a: int, col: TextColumn | None, count: int | None = None) -> None:
        """Trials ``a ..`` get ``col``'s labels (none: ``count`` trials without a label)."""
        if col is None:
            self.ids[a:a + int(count or 0)] = NO_LABEL
            return
        self.ids[a:a + len(col.ids)] = self.table.remap(col)

    def view(self, a: int = 0, b: int | None = None) -> TextColumn:
        return TextColumn(self.ids[a:b], self.table.strings)


def label_counts(col: TextColumn | None) -> tuple[dict[str, int], int]:
    """Trials per label of ``col`` (labels in the column's order) and the trials whose
    label was beyond its table."""
    if col is None or not len(col.ids):
        return {}, 0
    ids = np.asarray(col.ids)
    other = int(np.count_nonzero(ids == OTHER))
    got = np.bincount(ids[ids >= 0], minlength=len(col.strings))
    return {col.strings[i]: int(got[i]) for i in np.flatnonzero(got).tolist()}, other


class LabelTally:
    """Trials per label of one output, added chunk by chunk (any order): at most
    ``cap`` labels told apart, the later ones counted in :attr:`other`."""

    def __init__(self, cap: int = MAX_LABELS) -> None:
        self.cap = cap
        self.counts: dict[str, int] = {}
        self.other = 0

    def add(self, col: TextColumn | None) -> None:
        counts, other = label_counts(col)
        self.add_counts(counts, other)

    def add_counts(self, counts: dict[str, int], other: int = 0) -> None:
        self.other += int(other)
        for s, n in counts.items():
            if s in self.counts:
                self.counts[s] += n
            elif len(self.counts) < self.cap:
                self.counts[s] = n
            else:
                self.other += n


def top_labels(counts: dict[str, int], other: int = 0,
               top: int = TOP_LABELS) -> tuple[dict[str, int], int]:
    """The ``top`` most frequent labels (most first; ties by label) and the trials of every
    other label added to ``other``."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return dict(ranked[:top]), int(other) + sum(n for _, n in ranked[top:])
