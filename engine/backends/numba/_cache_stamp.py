"""One version for the numba runtime: a hash of every module of this package that compiles
functions with numba, and the on-disk cache of those functions keyed by it.

numba's ``cache=True`` keys a function's cached machine code by its own source file only
(its modification time and size).  A runtime function that calls one in another module
(``_rt_annuity`` calling ``_rt``'s power, say) is loaded from the cache after the callee
changed, with the old callee compiled into it: an upgraded mcdesk would run the previous
version's arithmetic.  :func:`install` puts locators first in numba's list that serve this
package's files only and add :func:`runtime_version` to the stamp numba compares, so any
change of any runtime module recompiles every cached runtime function once.  Generated
kernels carry the same hash in their source (see ``_codegen``).  The package imports this module before any other."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from numba.core import caching

_HERE = Path(__file__).resolve().parent
_NOT_RUNTIME = ("__init__.py", "_codegen.py", "_cache_stamp.py")


@functools.cache
def runtime_version() -> str:
    """A hash of the runtime modules the kernels call.  It is part of every kernel's source,
    so a kernel cached on disk by numba (which does not track changes in the functions it
    calls) is never reused with another version of them.  Every module of this package that
    compiles functions with numba counts (the generator's own modules do not)."""
    h = hashlib.sha256()
    for path in sorted(_HERE.glob("*.py")):
        if path.name in _NOT_RUNTIME:
            continue
        text = path.read_bytes()
        if b"njit" in text:
            h.update(path.name.encode())
            h.update(text)
    return h.hexdigest()[:16]


class _Stamped:
    """A numba cache locator for this package's files whose source stamp also holds the
    runtime version (mixed before one of numba's locators)."""

    @classmethod
    def from_function(cls, py_func, py_file):
        try:
            if Path(py_file).resolve().parent != _HERE:
                return None
        except OSError:
            return None
        return super().from_function(py_func, py_file)

    def get_source_stamp(self):
        return (super().get_source_stamp(), runtime_version())


_BASES = (caching.UserProvidedCacheLocator, caching.InTreeCacheLocator,
          caching.UserWideCacheLocator)
LOCATORS = tuple(type(f"Stamped{b.__name__}", (_Stamped, b), {}) for b in _BASES)


def install() -> None:
    """Put :data:`LOCATORS` first in numba's locator list (once)."""
    classes = caching.CacheImpl._locator_classes
    if classes[:len(LOCATORS)] != list(LOCATORS):
        classes[:0] = [c for c in LOCATORS if c not in classes]


install()   # on import, before any runtime module of this package compiles a function
