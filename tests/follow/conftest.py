"""A real SMTP server per test (aiosmtpd on 127.0.0.1, a free port), and Django sending to it."""

import socket

import pytest
from aiosmtpd.controller import Controller

from tests.follow.mailbox import SITE_URL, Inbox


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(settings):
    handler = Inbox()
    for _attempt in range(5):  # the port found free may be taken before the server binds it
        controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
        try:
            controller.start()
            break
        except OSError:
            continue
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "ogptracker <noreply@mail-test.example.org>"
    settings.SITE_URL = SITE_URL
    # Changes are digested as soon as they are recorded (the delay is tested on its own).
    settings.FOLLOW_DIGEST_DELAY_MINUTES = 0
    handler.port = controller.port
    yield handler
    controller.stop()
