"""Every ``THAIGOV_*`` value in one typed object, read in one place, with one precedence.

Precedence, highest first:

1. the command line: ``-s THAIGOV_NAME=value`` for Scrapy runs (Scrapy's settings, handed to
   :meth:`ThaigovSettings.from_scrapy`), or a ``thaigov`` option (``--url``, ``--archive-url``),
2. the environment (``THAIGOV_NAME``; what cron, systemd and Scrapyd set),
3. the defaults written below, once.

Nothing else in the project reads ``THAIGOV_*`` from the environment: Scrapy components build
this object from ``crawler.settings`` (``thaigov_crawler.addon.thaigov_settings``), the CLI and
the web app from their options plus the environment, and every component gets it passed in.

Paths are absolute once the object exists: ``THAIGOV_DATA_DIR`` (default ``./data``) is resolved
against the working directory at that moment, and the default archive and search index live
under it. Relative explicit paths are resolved against the working directory too.

Adding a setting: add a typed field below (its environment name is ``THAIGOV_`` + the field name
in capitals), give it its default here and nowhere else, read it from the object where it is
used, and add a row to the Configuration table in README.md. A secret is a ``SecretStr``, so it
never shows in logs, reprs or ``--json`` output.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "THAIGOV_"
ARCHIVE_FILE = "thaigov.sqlite3"
SEARCH_FILE = "search.sqlite3"
DEFAULT_CONTACT_URL = "https://github.com/thaigov-archive/thaigov-archive"


class SettingsError(ValueError):
    """A ``THAIGOV_*`` value that does not parse, as one line naming the variable."""


class DataDirError(OSError):
    """A directory the configuration writes into cannot be created (one-line message)."""


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path.expanduser()))


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.as_posix()}"


class ThaigovSettings(BaseSettings):
    """The project's configuration (see the module docstring for precedence and paths)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_ignore_empty=True, extra="ignore", frozen=True
    )

    # --- where things live (order matters: later defaults are built from data_dir) -------------
    data_dir: Path = Path("data")
    archive_url: str = Field(
        default_factory=lambda d: _sqlite_url(d["data_dir"] / ARCHIVE_FILE), repr=False
    )
    search_path: Path = Field(default_factory=lambda d: d["data_dir"] / SEARCH_FILE)
    stats_file: Path | None = None

    # --- the site and how the crawler introduces itself ---------------------------------------
    base_url: str = "https://www.thaigov.go.th"
    contact_url: str = DEFAULT_CONTACT_URL
    user_agent: str = Field(
        default_factory=lambda d: (
            "thaigov-archive/0.1 (research archive crawler; "
            f"+{d.get('contact_url', DEFAULT_CONTACT_URL)})"
        )
    )
    log_level: str = "INFO"

    # --- crawl behaviour ------------------------------------------------------------------------
    max_consecutive_misses: int = Field(50, ge=1)
    # The id after the last one the public 2020-2025 corpus saw (import the corpus first).
    incremental_start_id: int = Field(100612, ge=1)
    give_up_after_failures: int = Field(5, ge=0)
    retry_after_max: float = Field(120.0, ge=0)  # seconds; longer Retry-After values are capped
    record_runs: bool = True

    # --- the durable crawl frontier (incremental runs into the archive; docs/crawling.md) ------
    frontier_enabled: bool = True
    #: A failed id waits ``backoff * 2**(attempts-1)`` seconds (at most ``backoff_max``) before a
    #: later run asks again; it is given up after ``give_up_runs`` failed runs or ``give_up_days``
    #: since it first failed.
    frontier_backoff_seconds: float = Field(3600.0, ge=0)
    frontier_backoff_max_seconds: float = Field(7 * 86400.0, ge=0)
    frontier_give_up_runs: int = Field(10, ge=0)  # 0: never by count
    frontier_give_up_days: float = Field(30.0, ge=0)
    #: Non-articles this many ids below the head are asked again while younger than
    #: ``recheck_days`` (the site sometimes publishes an id after later ones).
    frontier_recheck_ids: int = Field(20, ge=0)
    frontier_recheck_days: float = Field(3.0, ge=0)
    #: Outcomes per frontier write (articles follow the archive's batches).
    frontier_flush_every: int = Field(100, ge=1)

    # --- search ---------------------------------------------------------------------------------
    #: Elasticsearch is used when this is set; else the embedded index at ``search_path``.
    elasticsearch_url: str | None = Field(None, repr=False)
    elasticsearch_index: str = "thaigov-articles"
    elasticsearch_api_key: SecretStr | None = None
    elasticsearch_username: str | None = None
    elasticsearch_password: SecretStr | None = None
    elasticsearch_ca_certs: str | None = None
    #: Processes that segment Thai text in bulk jobs (import, reindex); ``None``: CPU count.
    segment_workers: int | None = Field(None, ge=1)
    #: Sentence encoder for semantic search (``search.core.encoders``): the offline default
    #: ``use-multilingual-v3``, ``sentence-transformers:NAME_OR_PATH``, or ``off``.
    encoder: str = "use-multilingual-v3"

    # --- archive-grade capture (docs/capture.md) -----------------------------------------------
    #: Every response a crawl receives, with its request, into rotating gzipped WARC files.
    warc_enabled: bool = True
    warc_dir: Path = Field(default_factory=lambda d: d["data_dir"] / "warc")
    warc_max_size: int = Field(1024**3, ge=1)  # bytes; a new WARC file is started past this size
    warc_index_batch: int = Field(100, ge=1)  # WARC records indexed in the archive per transaction
    #: Attachments and images downloaded (site hosts and media host only), stored by SHA-256.
    files_enabled: bool = True
    files_dir: Path = Field(default_factory=lambda d: d["data_dir"] / "files")
    files_maxsize: int = Field(64 * 1024 * 1024, ge=1)  # bytes per file; larger: too_large
    files_index_batch: int = Field(100, ge=1)  # downloaded files recorded per transaction
    #: Where ``https://media.thaigov.go.th/...`` URLs are fetched (a mirror, or the replica).
    media_base_url: str = "https://media.thaigov.go.th"

    @field_validator("data_dir", "search_path", "stats_file", "warc_dir", "files_dir", mode="after")
    @classmethod
    def _absolute_path(cls, value: Path | None) -> Path | None:
        return None if value is None else _absolute(value)

    @field_validator("archive_url", mode="after")
    @classmethod
    def _archive_url(cls, value: str) -> str:
        """A plain path means an SQLite file; relative ``sqlite:///`` URLs become absolute."""
        if "://" not in value:
            return _sqlite_url(_absolute(Path(value)))
        prefix = "sqlite:///"
        rest = value[len(prefix) :]
        if value.startswith(prefix) and rest and not rest.startswith(("/", ":memory:", "file:")):
            return _sqlite_url(_absolute(Path(rest)))
        return value

    @field_validator(
        "elasticsearch_url", "elasticsearch_username", "elasticsearch_ca_certs", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("elasticsearch_api_key", "elasticsearch_password", mode="before")
    @classmethod
    def _empty_secret_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value else value

    # --- construction -----------------------------------------------------------------------------
    @classmethod
    def load(cls, **overrides: Any) -> ThaigovSettings:
        """Overrides (``None`` or empty means not given) over the environment over the defaults.

        A value that does not parse raises :class:`SettingsError` naming its variable.
        """
        given = {
            name: value for name, value in overrides.items() if value is not None and value != ""
        }
        try:
            return cls(**given)
        except ValidationError as exc:
            raise SettingsError(_one_line(exc)) from None

    @classmethod
    def from_scrapy(cls, settings: Mapping[str, Any]) -> ThaigovSettings:
        """From Scrapy settings: ``THAIGOV_*`` keys present there (``-s``, spider or test
        settings) win over the environment; the project settings module defines none of them.
        """
        return cls.load(**{name: settings.get(env_name(name)) for name in cls.model_fields})

    # --- derived values -----------------------------------------------------------------------
    @property
    def backend_name(self) -> str:
        """``elasticsearch`` when ``THAIGOV_ELASTICSEARCH_URL`` is set, else ``embedded``."""
        return "elasticsearch" if self.elasticsearch_url else "embedded"

    @property
    def sqlite_archive_path(self) -> Path | None:
        """The archive file when the archive is SQLite on disk, else None."""
        prefix = "sqlite:///"
        if not self.archive_url.startswith(prefix):
            return None
        rest = self.archive_url[len(prefix) :].split("?", 1)[0]
        if not rest or rest.startswith((":memory:", "file:")):
            return None
        return Path(rest)

    def writable_dirs(self, *, crawl: bool = False) -> list[Path]:
        """Folders a writing command writes into: the SQLite archive's and the embedded index's
        (reindex, db upgrade), plus the stats file's for a crawl or import (the run lock is the
        archive's own: pipelines/archive/locks.py)."""
        files = [self.sqlite_archive_path]
        if self.backend_name == "embedded":
            files.append(self.search_path)
        if crawl:
            files.append(self.stats_file)
        return list(dict.fromkeys(path.parent for path in files if path is not None))

    def public(self) -> dict[str, Any]:
        """Every value as plain JSON-able data, secrets masked (for ``--json`` and logs)."""
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = str(value)  # "**********"
            elif isinstance(value, Path):
                value = str(value)
            out[env_name(name)] = value
        out[env_name("archive_url")] = _mask_password(self.archive_url)
        if self.elasticsearch_url:
            out[env_name("elasticsearch_url")] = _mask_password(self.elasticsearch_url)
        return out


def env_name(field: str) -> str:
    """The environment (and ``-s``) name of a settings field."""
    return ENV_PREFIX + field.upper()


def ensure_writable_dirs(settings: ThaigovSettings, *, crawl: bool = False) -> None:
    """Create what a writing command writes into, or raise :class:`DataDirError` (one line)."""
    for directory in settings.writable_dirs(crawl=crawl):
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise DataDirError(
                f"cannot create the directory {directory} ({reason}); "
                "set THAIGOV_DATA_DIR (or the path's own setting) to a writable place"
            ) from None
        if not os.access(directory, os.W_OK | os.X_OK):
            raise DataDirError(
                f"cannot write into {directory} (permission denied); "
                "set THAIGOV_DATA_DIR (or the path's own setting) to a writable place"
            )


def _mask_password(url: str) -> str:
    """``scheme://user:***@host/...``: never print a password embedded in a URL."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest.split("/", 1)[0]:
        return url
    userinfo, _, host = rest.partition("@")
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in userinfo else url


def _one_line(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "?"
        problems.append(f"{env_name(field)}: {error['msg']}")
    return "invalid setting " + "; ".join(problems)
