"""Schemathesis against the JSON API's own OpenAPI schema (ASGI transport, no network).

Generated inputs, valid and invalid, must never produce a 5xx, and every response must match
the documented status codes and response models. The app is built at import (it opens
nothing until a request comes), and a fixture gives it a real archive and index.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from search.web import create_app
from search.web.services import Services
from tests.web_fixtures import build_archive

app = create_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def archive_behind_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    directory: Path = tmp_path_factory.mktemp("api")
    store, backend = build_archive(directory)
    app.state.services = Services(store, backend)
    try:
        yield
    finally:
        backend.close()
        store.close()


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_with_a_server_error(case: Any) -> None:
    case.call_and_validate(
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
    )
