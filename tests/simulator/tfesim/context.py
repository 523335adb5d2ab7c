"""The installation knobs of the request being served.

Shared helpers that every endpoint calls but that never see the backend (pagination,
``include``, the run-list filters) read the installation from here. An installation
deviation such as ``paging`` then holds for every list endpoint, including ones added
later, without each handler passing the knobs along. The backend sets it around each
handler; a context variable keeps concurrent requests (one thread each) and several
simulators in one process apart.
"""
from __future__ import annotations

import contextlib
from contextvars import ContextVar
from typing import Iterator

from .knobs import InstallationKnobs

# Outside a request (a helper called directly), the contract's behaviour.
_CURRENT: ContextVar[InstallationKnobs] = ContextVar("tfesim_installation", default=InstallationKnobs())


def installation() -> InstallationKnobs:
    """The knobs of the installation serving the current request."""
    return _CURRENT.get()


@contextlib.contextmanager
def serving(knobs: InstallationKnobs) -> Iterator[None]:
    """Run a request's handler with ``knobs`` as its installation."""
    token = _CURRENT.set(knobs)
    try:
        yield
    finally:
        _CURRENT.reset(token)
