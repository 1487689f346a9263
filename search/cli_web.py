"""Typer commands; ``register(app)`` adds them to the ``thaigov`` app (see search/cli.py)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
