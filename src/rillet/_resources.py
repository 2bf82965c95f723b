"""Registry of synchronous abort actions for the connections a stream holds open.

When a caller abandons a stream (``break`` out of ``async for`` and drop it), Python cannot await
anything at that moment: an async generator is finalized later, by the event loop. So the stream
keeps, for each open HTTP response, a synchronous action that shuts its socket down at once; the
generator's own ``finally`` then releases the response properly when it runs.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Resources"]


class Resources:
    __slots__ = ("_aborts", "aborted")

    def __init__(self) -> None:
        self._aborts: list[Callable[[], None]] = []
        # Set when the stream was abandoned: the generators are then closed synchronously, and
        # must hand any async cleanup (closing the HTTP response) to the event loop instead of
        # awaiting it.
        self.aborted = False

    def register(self, abort: Callable[[], None]) -> None:
        self._aborts.append(abort)

    def unregister(self, abort: Callable[[], None]) -> None:
        try:
            self._aborts.remove(abort)
        except ValueError:
            pass

    def abort(self) -> None:
        """Run every registered abort (best effort: a failing one does not stop the others)."""
        self.aborted = True
        aborts, self._aborts = self._aborts, []
        for abort in aborts:
            try:
                abort()
            except Exception:  # aborting is best effort by definition
                pass
