from tests.messaging.fixtures import (  # noqa: F401
    fake_provider,
    fake_twilio,
    phone_channels,
    published,
    sms_channel,
    smtp_server,
    wit_centre,
)
