"""The OpenAPI schema: it validates without a warning, the docs are served without a CDN,
and schemathesis, against the live server, finds no server error and no response that breaks
the schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from plut.top.api.services import token_create
from tests.conftest import World

# Examples per operation: enough to send malformed ids, dates, cursors and bodies to every
# endpoint, few enough to keep the suite fast on two cores.
MAX_EXAMPLES = 12


def test_schema_validates_without_warnings(tmp_path) -> None:
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ("/api/v1/enterprises/", "/api/v1/bookings/{id}/no-show/", "/api/v1/open/"):
        assert path in text
    assert "tokenAuth" in text
    assert "#/components/schemas/Error" in text


def test_swagger_ui_uses_vendored_assets(client, db) -> None:
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page
    # Nothing inline for the Content Security Policy to refuse.
    assert "<style" not in page
    assert "<script>" not in page


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    live_server, world: World, monkeypatch
) -> None:
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "100000/min", "user": "100000/min"}
    )
    _token, secret = token_create(owner=world.national, name="schemathesis")
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")
    headers = {"Authorization": f"Bearer {secret}"}
    failures = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case) -> None:
            response = case.call(base_url=live_server.url, headers=headers)
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )

        try:
            run()
        except Exception as error:
            failures.append(f"{operation.label}: {str(error)[:1500]}")
    assert operations >= 20
    assert not failures, "\n\n".join(failures)
