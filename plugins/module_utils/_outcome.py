# -*- coding: utf-8 -*-
# Copyright: (c) 2026, tfe.runs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Layer 2: what a verb returns. One ``Outcome`` per task: changed, the result, or a failure.

A verb (queue a run, apply it, stop it, list runs, admin-cancel runs) is a function decorated with
``@verb``: it receives a ``Task`` to record its result on, and ends by returning, by ``task.fail``
or by an API error. Either way the caller gets an ``Outcome`` that still carries what the task did
before it failed (a run queued, then a failed wait, is ``changed`` with the run in the result).
Layer 3 turns the outcome into ``exit_json`` or ``fail_json`` and adds the advice that names modules.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from ._errors import TfeApiError


@dataclass
class Failure:
    """Why a task failed.

    ``message`` says what happened in terms of TFE; or ``error`` is the API error that struck while
    the task was doing ``attempted`` (layer 3 words it, with ``hint_404``). ``next_step`` names the
    advice layer 3 appends (``confirm``, ``policy_override`` ...).
    """

    message: str = ""
    error: Optional[TfeApiError] = None
    attempted: str = ""
    hint_404: str = ""
    next_step: Optional[str] = None


@dataclass
class Outcome:
    changed: bool = False
    result: Dict[str, Any] = field(default_factory=dict)
    failure: Optional[Failure] = None
    warnings: List[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.failure is not None


class TaskFailed(Exception):
    """Ends a verb with a failure (raised by ``Task.fail``, caught by ``@verb``)."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class Task:
    """The running verb's record: the outcome so far and what it is attempting now."""

    def __init__(self) -> None:
        self.outcome = Outcome()
        self.attempting = ""
        self.hint_404 = ""

    @property
    def result(self) -> Dict[str, Any]:
        return self.outcome.result

    def attempt(self, what: str, hint_404: str = "") -> None:
        """Name the step under way, for the message of an API error that strikes during it."""
        self.attempting, self.hint_404 = what, hint_404

    def changed(self, value: bool = True) -> None:
        self.outcome.changed = value

    def warn(self, text: Optional[str]) -> None:
        """Record a warning once; None or empty (a check that found nothing to say) records nothing."""
        if text and text not in self.outcome.warnings:
            self.outcome.warnings.append(text)

    def fail(self, message: str, next_step: Optional[str] = None) -> "TaskFailed":
        """Raise the task's failure; written ``raise task.fail(...)`` so the flow reads as ending."""
        return TaskFailed(Failure(message=message, next_step=next_step))


def verb(function: Callable[..., None]) -> Callable[..., Outcome]:
    """Run ``function(task, *args, **kwargs)`` and return the task's ``Outcome`` whatever happens."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Outcome:
        task = Task()
        try:
            function(task, *args, **kwargs)
        except TaskFailed as stop:
            task.outcome.failure = stop.failure
        except TfeApiError as error:
            task.outcome.failure = Failure(error=error, attempted=task.attempting, hint_404=task.hint_404)
        except ValueError as error:
            # A value the API cannot take (api_path refuses "..", a bad date): a clear refusal, no traceback.
            task.outcome.failure = Failure(message="Failed to {0}: {1}".format(task.attempting, error))
        return task.outcome

    return run
