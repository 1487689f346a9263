"""The researchers' web UI and JSON API (FastAPI + Jinja2, no front-end build step)."""

from __future__ import annotations

from search.web.app import create_app

__all__ = ["create_app"]
