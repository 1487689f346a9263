"""Schemathesis against the JSON API's own OpenAPI schema (ASGI transport, no network).

Generated inputs, valid and invalid, must never produce a 5xx, every response must match the
documented status codes, content type and response models, and carry the security headers.
The app is built at import (it opens nothing until a request comes), and a fixture gives it a
real archive and index (the fixture articles plus the hostile one).

Examples per operation: ``THAIGOV_SCHEMATHESIS_EXAMPLES``, else 250 in CI (``CI=true``) and 40
on a developer's machine. 250 take about a minute for the three operations on CI's 2 cores.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from search.web import create_app
from search.web.security import SECURITY_HEADERS
from search.web.services import Services
from tests.conftest import in_ci
from tests.test_hostile_archive import store_hostile
from tests.web_fixtures import build_archive

EXAMPLES = int(os.environ.get("THAIGOV_SCHEMATHESIS_EXAMPLES") or (250 if in_ci() else 40))

app = create_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def archive_behind_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    directory: Path = tmp_path_factory.mktemp("api")
    store, backend = build_archive(directory)
    store_hostile(store, backend)
    app.state.services = Services(store, backend)
    try:
        yield
    finally:
        backend.close()
        store.close()


@schemathesis.check
def security_headers_present(ctx: Any, response: Any, case: Any) -> None:
    """Every API response carries the same security headers as the pages."""
    for name, value in SECURITY_HEADERS.items():
        if response.headers.get(name.lower()) not in ([value], value):
            raise AssertionError(f"{name} missing or wrong: {response.headers.get(name.lower())}")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_with_a_server_error(case: Any) -> None:
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            security_headers_present,
        ]
    )
