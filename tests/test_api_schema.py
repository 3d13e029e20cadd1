"""Schemathesis against /api/openapi.json: no 5xx, and every response matches the schema."""

from __future__ import annotations

import pytest
import schemathesis
from api_support import shared_project
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection

from kb.api import create_app


@pytest.fixture(scope="module")
def api_schema():
    app = create_app(shared_project())
    with TestClient(app):  # runs the lifespan (warm-up) once; schemathesis then calls the app directly
        yield schemathesis.openapi.from_asgi("/api/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_api_conforms_to_its_schema(case):
    # All default checks (no 5xx, status codes, content types, response schemas, positive data
    # accepted, unsupported methods …) except negative_data_rejection: a query parameter is
    # always a string on the wire, so a "wrong-typed" value that schemathesis generates for
    # `publisher` (an object, say) arrives as a valid string and is rightly accepted.
    case.call_and_validate(excluded_checks=[negative_data_rejection])
