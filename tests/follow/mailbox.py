"""Reading what the test's SMTP server received, as a mail program would."""

import contextlib
import email
import re
import socket
from email import policy

from aiosmtpd.controller import Controller

SITE_URL = "http://mail-test.example.org"


class Inbox:
    """What the server received, parsed as a mail program would."""

    def __init__(self):
        self.envelopes = []
        self.refused = set()  # addresses the server answers 550, as a full mailbox would

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"

    @property
    def messages(self):
        return [email.message_from_bytes(envelope.content, policy=policy.default)
                for envelope in self.envelopes]

    def to(self, address):
        return [message for message, envelope in zip(self.messages, self.envelopes, strict=True)
                if address in envelope.rcpt_tos]

    def clear(self):
        self.envelopes.clear()


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def links(message) -> list[str]:
    return re.findall(r"https?://\S+", body(message))


def path_of(url: str) -> str:
    """The path the test client opens for an absolute link of a mail (SITE_URL is the test's)."""
    assert url.startswith(SITE_URL), url
    return url.removeprefix(SITE_URL)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 (a free port: tests may run in parallel), and Django's SMTP
    backend pointed at it; yields its Inbox."""
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
    settings.EMAIL_PORT = handler.port = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "ogptracker <noreply@mail-test.example.org>"
    try:
        yield handler
    finally:
        controller.stop()
