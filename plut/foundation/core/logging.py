"""No personal data in logs or error reports (UU 27/2022).

``PersonalDataFilter`` masks NIK-like 16-digit numbers, Indonesian phone numbers (+62..., 62...,
08...) and email addresses in every log record's message and arguments, before any handler
formats it. ``PersonalDataExceptionReporterFilter`` hides the same fields, by name, in Django's
error reports (the 500 email and the debug page), on top of Django's passwords and keys.
Both are wired in settings.LOGGING / DEFAULT_EXCEPTION_REPORTER_FILTER.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.views.debug import SafeExceptionReporterFilter

MASK = "[disamarkan]"
# 16 digits standing alone (a NIK or a Nomor Induk Koperasi): not part of a longer number.
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
# +62 / 62 / 0 followed by 8 and 7-12 more digits, with optional spaces, dots or dashes.
_PHONE = re.compile(r"(?<![\w+])(?:\+?62|0)[\s.-]?8(?:[\s.-]?\d){7,12}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def mask_personal_data(text: str) -> str:
    for pattern in (_EMAIL, _NIK, _PHONE):
        text = pattern.sub(MASK, text)
    return text


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, int) and not isinstance(value, bool):
        masked = mask_personal_data(str(value))
        return masked if masked != str(value) else value
    if isinstance(value, (list, tuple)):
        return type(value)(_masked(item) for item in value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    # Anything else (a model, a request) is formatted with %s: mask the text it gives.
    text = str(value)
    masked = mask_personal_data(text)
    return masked if masked != text else value


class PersonalDataFilter(logging.Filter):
    """Masks personal data in a record; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = _masked(record.msg)
            if isinstance(record.args, dict):
                record.args = _masked(record.args)
            else:
                record.args = tuple(_masked(arg) for arg in record.args)
        else:
            # A message without arguments may still be an object (an exception): mask its text.
            record.msg = _masked(record.msg)
        if record.exc_info and not record.exc_text:
            # The traceback text is built by the formatter from exc_info; build it here, masked.
            record.exc_text = mask_personal_data(
                logging.Formatter().formatException(record.exc_info)
            )
        elif record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        return True


class PersonalDataExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's error report, with identity fields and personal data in values hidden too."""

    hidden_settings = re.compile(
        r"API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE_URL|EMAIL_URL|BROKER", re.I
    )
    PERSONAL_FIELDS = re.compile(r"nik|phone|telepon|email|contact|owner_|name", re.I)

    def get_post_parameters(self, request: Any) -> dict[str, Any]:
        params = super().get_post_parameters(request)
        if request is None:
            return params
        cleansed = params.copy()
        for key in cleansed:
            if self.PERSONAL_FIELDS.search(key):
                cleansed[key] = self.cleansed_substitute
            else:
                cleansed[key] = mask_personal_data(str(cleansed[key]))
        return cleansed

    def cleanse_special_types(self, request: Any, value: Any) -> Any:
        value = super().cleanse_special_types(request, value)
        return mask_personal_data(value) if isinstance(value, str) else value
