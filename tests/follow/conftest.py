"""A real SMTP server per test (aiosmtpd on 127.0.0.1, a free port), and Django sending to it."""

import pytest

from tests.follow.mailbox import SITE_URL, smtp_server


@pytest.fixture
def inbox(settings):
    with smtp_server(settings) as handler:
        settings.SITE_URL = SITE_URL
        # Changes are digested as soon as they are recorded (the delay is tested on its own).
        settings.FOLLOW_DIGEST_DELAY_MINUTES = 0
        yield handler
