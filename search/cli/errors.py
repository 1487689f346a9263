"""One clear line, not a traceback, when the archive or the search backend fails.

``storage_errors(command)`` wraps a Typer command: a storage failure (search index missing or
corrupt, Elasticsearch down, archive database unreachable; see ``search.services.failures``)
prints ``error: <what>: <detail>; <what to do>`` on stderr and exits with ``STORAGE_EXIT``.
Any other exception is a bug and propagates unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from search.services.failures import storage_failure

STORAGE_EXIT = 1

P = ParamSpec("P")
R = TypeVar("R")


def storage_errors(command: Callable[P, R]) -> Callable[P, R]:
    # functools.wraps keeps the signature and annotations Typer reads to build the options.
    @functools.wraps(command)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except Exception as exc:
            failure = storage_failure(exc)
            if failure is None:
                raise
            typer.echo(f"error: {failure.one_line()}", err=True)
            raise typer.Exit(STORAGE_EXIT) from None

    return guarded
