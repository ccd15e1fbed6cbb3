"""Progress of a build's long steps, for whoever watches: the command line draws bars, the UI reads the
run's log. Steps report through the `progress` resource; the default reports nothing."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator


class Progress:
    """Steps call `with progress.task(label, total) as advance: ... advance(item)`; this one is silent."""

    @contextlib.contextmanager
    def task(self, label: str, total: int | None) -> Iterator[Callable[[str], None]]:
        yield lambda item: None
