from tests.messaging.fixtures import (  # noqa: F401
    fake_provider,
    phone_channels,
    published,
    smtp_server,
    wit_centre,
)
