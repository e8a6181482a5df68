"""Request size limits. The import upload's own checks (type by content, size) are tested in
tests/api/test_imports.py; formula injection in exports in tests/plut/test_exports.py."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_an_oversized_form_body_is_refused_before_any_view_reads_it(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post(
        reverse("accounts:magic_link_request"), {"email": "a@contoh.id", "pad": "x" * 20_000}
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_too_many_fields_are_refused(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    response = client.post(reverse("login"), {f"f{n}": "1" for n in range(60)})
    assert response.status_code == 400
