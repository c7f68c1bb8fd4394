"""The demo's mailbox: e-mails kept as files under PARVIS_HOME and shown at /demo/courriels/.

A demo has no mail server, yet a new account must open its confirmation link to contribute. The
``mailbox://`` e-mail backend (the default of an installation made by ``parvis demo``) writes each message
as one ``.eml`` file; the mailbox page, served only in demo mode, reads them back for every visitor
(see docs/decisions/0160-firstuse-demo-email-and-tasks.md).
"""

import email
import email.policy
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsoleBackend

#: The page shows the latest messages only: a demo left running for months must stay readable.
MAILBOX_LIMIT = 200


@dataclass(frozen=True)
class MailboxMessage:
    id: str
    to: str
    subject: str
    sent_at: datetime | None
    body: str


def mailbox_dir() -> Path:
    return Path(settings.PARVIS_MAILBOX_DIR)


class MailboxBackend(ConsoleBackend):
    """Print each message (as the console backend does) and keep it in the demo's mailbox."""

    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        folder = mailbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages or []:
            if not message.recipients():
                continue
            name = f"{datetime.now().strftime('%Y%m%dT%H%M%S%f')}-{uuid.uuid4().hex[:8]}.eml"
            (folder / name).write_bytes(message.message().as_bytes())
        return sent


def _text_body(parsed: email.message.EmailMessage) -> str:
    part = parsed.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def mailbox_messages(*, to: str = "") -> list[MailboxMessage]:
    """The kept messages, newest first; only those sent to ``to`` when given (case-insensitive)."""
    folder = mailbox_dir()
    if not folder.is_dir():
        return []
    messages = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:MAILBOX_LIMIT]:
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        recipients = str(parsed.get("To", ""))
        if to and to.strip().lower() not in recipients.lower():
            continue
        try:
            sent_at = parsedate_to_datetime(str(parsed["Date"])) if parsed["Date"] else None
        except (TypeError, ValueError):
            sent_at = None
        messages.append(
            MailboxMessage(
                id=path.stem,
                to=recipients,
                subject=str(parsed.get("Subject", "")),
                sent_at=sent_at,
                body=_text_body(parsed),
            )
        )
    return messages
