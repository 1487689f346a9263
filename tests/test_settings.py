"""The settings object: one precedence (-s over environment over defaults), absolute paths under
the data directory, secrets that never print, PyThaiNLP kept out of the home directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines.core.pythainlp_home import isolate_pythainlp_data
from pipelines.core.settings import (
    DataDirError,
    SettingsError,
    ThaigovSettings,
    ensure_writable_dirs,
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No THAIGOV_* value from the developer's shell; relative paths resolve in tmp_path."""
    for name in list(os.environ):
        if name.startswith("THAIGOV_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("field", "given", "default"),
    [
        ("max_consecutive_misses", {"cli": ("3", 3), "env": ("7", 7)}, 50),
        ("give_up_after_failures", {"cli": ("0", 0), "env": ("9", 9)}, 5),
        ("retry_after_max", {"cli": ("1.5", 1.5), "env": ("30", 30.0)}, 120.0),
        ("record_runs", {"cli": ("False", False), "env": ("true", True)}, True),
        ("base_url", {"cli": ("http://c.test",) * 2, "env": ("http://e.test",) * 2}, None),
        ("elasticsearch_index", {"cli": ("cli-alias",) * 2, "env": ("env-alias",) * 2}, None),
    ],
)
def test_scrapy_setting_beats_environment_beats_default(
    monkeypatch: pytest.MonkeyPatch,
    field: str,
    given: dict[str, tuple[str, object]],
    default: object,
) -> None:
    name = f"THAIGOV_{field.upper()}"
    defaults = {"base_url": "https://www.thaigov.go.th", "elasticsearch_index": "thaigov-articles"}
    assert getattr(ThaigovSettings.from_scrapy({}), field) == (default or defaults[field])
    (cli_text, cli_value), (env_text, env_value) = given["cli"], given["env"]
    monkeypatch.setenv(name, env_text)
    assert getattr(ThaigovSettings.from_scrapy({}), field) == env_value
    assert getattr(ThaigovSettings.from_scrapy({name: cli_text}), field) == cli_value
    # Scrapy's settings hold None for names nobody set: that is "not given", not a value.
    assert getattr(ThaigovSettings.from_scrapy({name: None}), field) == env_value


def test_paths_default_under_the_data_directory_and_are_absolute(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    default = ThaigovSettings.load()
    assert default.data_dir == tmp_path / "data"
    assert default.archive_url == f"sqlite:///{tmp_path}/data/thaigov.sqlite3"
    assert default.search_path == tmp_path / "data" / "search.sqlite3"
    assert default.lock_file == tmp_path / "data" / "crawl.lock"

    monkeypatch.setenv("THAIGOV_DATA_DIR", "var/thaigov")
    moved = ThaigovSettings.load()
    assert moved.data_dir == tmp_path / "var" / "thaigov"
    assert moved.search_path == tmp_path / "var" / "thaigov" / "search.sqlite3"
    assert moved.lock_file == tmp_path / "var" / "thaigov" / "crawl.lock"
    # Resolved once: changing directory afterwards does not move anything.
    monkeypatch.chdir("/")
    assert moved.data_dir == tmp_path / "var" / "thaigov"
    monkeypatch.chdir(tmp_path)

    explicit = ThaigovSettings.from_scrapy(
        {
            "THAIGOV_ARCHIVE_URL": "sqlite:///rel/archive.sqlite3",
            "THAIGOV_SEARCH_PATH": "rel/index.sqlite3",
            "THAIGOV_LOCK_FILE": "",
        }
    )
    assert explicit.archive_url == f"sqlite:///{tmp_path}/rel/archive.sqlite3"
    assert explicit.search_path == tmp_path / "rel" / "index.sqlite3"
    assert explicit.lock_file is None  # an empty lock file switches the lock off
    postgres = "postgresql+psycopg://u:p@db.example/thaigov"
    assert ThaigovSettings.load(archive_url=postgres).archive_url == postgres


def test_cli_option_beats_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("THAIGOV_ARCHIVE_URL", "sqlite:////env/archive.sqlite3")
    assert ThaigovSettings.load().archive_url == "sqlite:////env/archive.sqlite3"
    assert ThaigovSettings.load(archive_url=None).archive_url == "sqlite:////env/archive.sqlite3"
    chosen = ThaigovSettings.load(archive_url="sqlite:////cli/archive.sqlite3")
    assert chosen.archive_url == "sqlite:////cli/archive.sqlite3"


def test_bad_value_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THAIGOV_MAX_CONSECUTIVE_MISSES", "many")
    with pytest.raises(SettingsError, match=r"THAIGOV_MAX_CONSECUTIVE_MISSES: .*integer") as err:
        ThaigovSettings.load()
    assert "\n" not in str(err.value)
    with pytest.raises(SettingsError, match="THAIGOV_SEGMENT_WORKERS"):
        ThaigovSettings.from_scrapy({"THAIGOV_SEGMENT_WORKERS": "0"})


def test_secrets_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THAIGOV_ELASTICSEARCH_PASSWORD", "hunter2-es")
    monkeypatch.setenv("THAIGOV_ELASTICSEARCH_API_KEY", "key-sekrit")
    monkeypatch.setenv("THAIGOV_ELASTICSEARCH_URL", "https://elastic:url-pw@es.example:9200")
    monkeypatch.setenv("THAIGOV_ARCHIVE_URL", "postgresql+psycopg://thaigov:db-pw@db/thaigov")
    settings = ThaigovSettings.load()
    shown = repr(settings) + str(settings) + str(settings.public())
    for secret in ("hunter2-es", "key-sekrit", "url-pw", "db-pw"):
        assert secret not in shown
    assert settings.public()["THAIGOV_ARCHIVE_URL"] == "postgresql+psycopg://thaigov:***@db/thaigov"
    # ... while the components that need them still get them.
    assert settings.elasticsearch_password is not None
    assert settings.elasticsearch_password.get_secret_value() == "hunter2-es"
    assert settings.backend_name == "elasticsearch"


def test_unwritable_data_directory_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings = ThaigovSettings.load(data_dir=blocker / "data")
    with pytest.raises(DataDirError) as err:
        ensure_writable_dirs(settings, crawl=True)
    message = str(err.value)
    assert message.startswith(f"cannot create the directory {blocker / 'data'}")
    assert "THAIGOV_DATA_DIR" in message and "\n" not in message

    fine = ThaigovSettings.load(data_dir=tmp_path / "new" / "data")
    ensure_writable_dirs(fine, crawl=True)
    assert (tmp_path / "new" / "data").is_dir()


def test_writing_dirs_follow_what_is_configured(tmp_path: Path) -> None:
    settings = ThaigovSettings.load(
        archive_url="postgresql+psycopg://u@db/thaigov",
        elasticsearch_url="http://127.0.0.1:9200",
        lock_file=str(tmp_path / "locks" / "crawl.lock"),
    )
    assert settings.writable_dirs() == []  # nothing on disk for reindex or db upgrade
    assert settings.writable_dirs(crawl=True) == [tmp_path / "locks"]


def test_pythainlp_data_folder_stays_out_of_home(tmp_path: Path) -> None:
    environ: dict[str, str] = {"THAIGOV_DATA_DIR": str(tmp_path / "data")}
    isolate_pythainlp_data(environ)
    [(variable, folder)] = [(k, v) for k, v in environ.items() if k.startswith("PYTHAINLP")]
    assert variable in ("PYTHAINLP_DATA", "PYTHAINLP_DATA_DIR")
    # No data directory yet (a read-only command must not create one): a temp folder.
    assert not folder.startswith(str(Path.home())) and "thaigov-pythainlp" in folder
    assert not (tmp_path / "data").exists()

    (tmp_path / "data").mkdir()
    environ = {"THAIGOV_DATA_DIR": str(tmp_path / "data")}
    isolate_pythainlp_data(environ)
    assert environ[variable] == str(tmp_path / "data" / "pythainlp")

    chosen = {"PYTHAINLP_DATA_DIR": "/srv/pythainlp", "THAIGOV_DATA_DIR": str(tmp_path)}
    isolate_pythainlp_data(chosen)
    assert chosen == {"PYTHAINLP_DATA_DIR": "/srv/pythainlp", "THAIGOV_DATA_DIR": str(tmp_path)}


def test_crawl_settings_object_is_built_once_and_secrets_leave_scrapys_copy() -> None:
    from scrapy import Spider
    from scrapy.settings import Settings
    from scrapy.utils.test import get_crawler

    from thaigov_crawler.addon import ThaigovAddon, thaigov_settings

    secret_url = "postgresql+psycopg://thaigov:db-pw@db.example/thaigov"
    crawler = get_crawler(Spider)
    settings = Settings(
        {
            "THAIGOV_ARCHIVE_URL": secret_url,
            "THAIGOV_ELASTICSEARCH_PASSWORD": "es-pw",
            "THAIGOV_USER_AGENT": "agent/2",
        },
        priority="cmdline",
    )
    ThaigovAddon(crawler).update_settings(settings)
    config = thaigov_settings(crawler)
    assert thaigov_settings(crawler) is config  # built once per crawler
    assert config.archive_url == secret_url  # the components get the real values ...
    assert config.elasticsearch_password is not None
    assert config.elasticsearch_password.get_secret_value() == "es-pw"
    shown = str(dict(settings))  # ... what Scrapy logs does not hold them
    assert "db-pw" not in shown and "es-pw" not in shown
    assert settings["USER_AGENT"] == "agent/2"
