"""Reading what the test's SMTP server received, as a mail program would."""

import email
import re
from email import policy

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
