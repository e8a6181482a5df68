"""No personal data in logs or error reports: the filter in settings.LOGGING masks NIKs, phone
numbers and emails; Django's error report hides identity fields."""

from __future__ import annotations

import io
import logging

import pytest
from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from plut.foundation.core.logging import PersonalDataExceptionReporterFilter, PersonalDataFilter

NIK = "1871014501900003"
PHONE = "+6281234567890"
LOCAL_PHONE = "0812-3456-7890"
EMAIL = "siti.aminah@contoh.id"


def _output_of(logger_name: str, *args, **kwargs) -> str:
    """Log through a handler configured like settings.LOGGING's console handler."""
    root_console = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(root_console.formatter)
    for f in root_console.filters:
        handler.addFilter(f)
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        logger.warning(*args, **kwargs)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_the_configured_console_handler_masks_a_nik_a_phone_and_an_email():
    out = _output_of(
        "plut.test", "Booking by %s (NIK %s), phone %s / %s", EMAIL, NIK, PHONE, LOCAL_PHONE
    )
    assert NIK not in out and PHONE not in out and LOCAL_PHONE not in out and EMAIL not in out
    assert out.count("[disamarkan]") == 4
    assert "Booking by" in out


def test_values_inside_the_message_dicts_and_tracebacks_are_masked_too():
    out = _output_of("plut.test", f"NIK {NIK} in the message itself")
    assert NIK not in out
    out = _output_of("plut.test", "data %(contact)s", {"contact": PHONE})
    assert PHONE not in out
    try:
        raise ValueError(f"duplicate nik {NIK}")
    except ValueError:
        out = _output_of("plut.test", "failed", exc_info=True)
    assert "ValueError" in out and NIK not in out


def test_ordinary_numbers_stay():
    record = logging.LogRecord(
        "x", logging.INFO, "", 0, "took %s ms, id %s, NIB %s", (1234, 42, "9120300000555"), None
    )
    PersonalDataFilter().filter(record)
    assert record.getMessage() == "took 1234 ms, id 42, NIB 9120300000555"


@pytest.mark.django_db
def test_error_reports_hide_identity_fields_and_personal_values():
    request = RequestFactory().post(
        "/staff/sessions/new/",
        {
            "new-owner_nik": NIK,
            "new-owner_phone": PHONE,
            "topic": f"call {LOCAL_PHONE}",
            "mode": "online",
        },
    )
    try:
        raise RuntimeError("boom")
    except RuntimeError as error:
        reporter = ExceptionReporter(request, type(error), error, error.__traceback__)
        reporter.filter = PersonalDataExceptionReporterFilter()
        text = reporter.get_traceback_text()
    assert NIK not in text and PHONE not in text and LOCAL_PHONE not in text
    assert "online" in text


def test_settings_wire_the_filter_and_the_reporter(settings):
    assert settings.DEFAULT_EXCEPTION_REPORTER_FILTER.endswith(
        "PersonalDataExceptionReporterFilter"
    )
    assert "personal_data" in settings.LOGGING["handlers"]["console"]["filters"]
    assert "personal_data" in settings.LOGGING["handlers"]["mail_admins"]["filters"]
