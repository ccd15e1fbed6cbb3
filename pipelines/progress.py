"""Progress of a build's long steps, for whoever watches: the command line draws bars, the UI reads the
run's log. Steps report through the `progress` resource; the default reports nothing."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator


class Progress:
    """Steps call `with progress.task(name, total, detail) as advance: ... advance(item)`, `name` being the
    step's (`reference snapshots`, `transactions`, `dbt build`) and `detail` what it works on; this one is
    silent."""

    @contextlib.contextmanager
    def task(self, name: str, total: int | None, detail: str = "") -> Iterator[Callable[[str], None]]:
        yield lambda item: None

    def spent(self, what: str, seconds: float) -> None:
        """A step reports time it spent on something other than its work (to tell the orchestration's
        own cost from the work's: bench/build.py)."""
