from tests.messaging.fixtures import fake_provider, phone_channels, wit_centre  # noqa: F401
