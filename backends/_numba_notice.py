"""Say once, on stderr, that numba is compiling: the numba backend's first run takes tens of seconds.

numba fires its "numba:compile" event only after the on-disk cache missed (a cache hit loads the
machine code without one), so the notice appears exactly when something is compiled, never on a run
that finds every kernel cached, and at most once per process. Other code's numba functions are not
ours to announce.
"""

from __future__ import annotations

import sys
from typing import Any

from numba.core import event

OURS = "backends._numba"


def cache_dir(dispatcher: Any) -> str:
    """Where numba caches this function's machine code (NUMBA_CACHE_DIR, or __pycache__ by the source)."""
    path = getattr(getattr(dispatcher, "_cache", None), "cache_path", None)
    return str(path) if path else "numba's cache directory"


class FirstCompileNotice(event.Listener):
    """Prints the notice on the first compile of one of our kernels; silent afterwards."""

    def __init__(self) -> None:
        self.said = False

    def on_start(self, ev: event.Event) -> None:
        dispatcher = ev.data["dispatcher"]
        if self.said or not getattr(dispatcher.py_func, "__module__", "").startswith(OURS):
            return
        self.said = True  # compiles run under numba's global compiler lock: no race here
        message = f"xnn: compiling numba kernels (first run only, cached in {cache_dir(dispatcher)})"
        print(message, file=sys.stderr, flush=True)

    def on_end(self, ev: event.Event) -> None:
        pass


NOTICE = FirstCompileNotice()
event.register("numba:compile", NOTICE)  # once: this module is imported once per process
