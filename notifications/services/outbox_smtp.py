"""The outbox's SMTP transaction, opened while the mail's fence commits (notifications.services.outbox).

The outbox must not let a mail leave before its fence (`send_started_at`) is committed. A mail
leaves only when the server answers the end of its DATA; the commands before that (MAIL FROM,
RCPT TO) deliver nothing, and a transaction the client abandons (RSET, a dropped line, a killed
worker) is discarded (RFC 5321 §3.3, §4.1.1.5). So, per mail:

1. a helper thread renders and signs the mail and sends MAIL FROM and RCPT TO, while
2. this thread runs the fence statement (one commit: a disk flush);
3. only when the fence held does this thread send DATA and the message; when it did not (the
   claim was released and taken elsewhere) the transaction is abandoned with RSET.

The commit's flush, the rendering and two of the four round trips overlap instead of following
each other, and at most once holds as before: a worker killed anywhere before step 3's answer
leaves a row the sweep handles as before, and no mail sent twice.

Only for Django's SMTP backend (the other backends — locmem, file, the tests' scripted one — are
sent the plain way by the outbox). The helper thread only renders and talks SMTP; a notice kind
whose rendering reads the database (event mail reads its customer) opens the thread's own
connection, closed when the run ends.
"""

from __future__ import annotations

import contextlib
import smtplib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import connections


class SmtpOverlap:
    """One run's helper thread over one SMTP backend (a session reused across batches)."""

    def __init__(self, backend: SMTPBackend):
        self.backend = backend
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-smtp")

    @classmethod
    def for_backend(cls, backend) -> SmtpOverlap | None:
        return cls(backend) if isinstance(backend, SMTPBackend) else None

    def ready(self) -> bool:
        """The session is up (reconnected if an error closed it); False: send the plain way."""
        try:
            self.backend.open()
        except (smtplib.SMTPException, OSError):
            return False
        return self.backend.connection is not None

    def begin(self, build: Callable[[], EmailMessage]) -> Future[bytes]:
        """In the helper thread: build the mail, then MAIL FROM and RCPT TO. The future's value is
        the signed message; its exception is the build's or the server's refusal."""
        return self._pool.submit(self._begin, build)

    def _begin(self, build: Callable[[], EmailMessage]) -> bytes:
        message = build()
        encoding = message.encoding or settings.DEFAULT_CHARSET
        raw = message.message().as_bytes(linesep="\r\n")  # type: ignore[call-arg]  # Django's SafeMIME takes it
        sender = sanitize_address(message.from_email, encoding)
        recipients = [sanitize_address(address, encoding) for address in message.recipients()]
        smtp = self._session()
        smtp.ehlo_or_helo_if_needed()
        options = [f"size={len(raw)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
        # As smtplib.SMTP.sendmail does, up to DATA.
        code, answer = smtp.mail(sender, options)
        if code != 250:
            self._end(code)
            raise smtplib.SMTPSenderRefused(code, answer, sender)
        refused = {}
        for recipient in recipients:
            code, answer = smtp.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = (code, answer)
            if code == 421:
                self._end(code)
                raise smtplib.SMTPRecipientsRefused(refused)
        if len(refused) == len(recipients):
            self._end(code)
            raise smtplib.SMTPRecipientsRefused(refused)
        return raw

    def finish(self, raw: bytes) -> None:
        """DATA and the message: the server's 250 is the mail leaving."""
        code, answer = self._session().data(raw)
        if code != 250:
            self._end(code)
            raise smtplib.SMTPDataError(code, answer)

    def abandon(self, begun: Future[bytes]) -> None:
        """The fence did not hold (or failed): wait for the helper, then drop the open transaction."""
        with contextlib.suppress(Exception):  # the mail is not ours to send: neither its build nor its envelope matters
            begun.result()
        if self.backend.connection is not None:
            try:
                self.backend.connection.rset()
            except (smtplib.SMTPException, OSError):
                self.backend.close()

    def _session(self) -> smtplib.SMTP:
        if self.backend.connection is None:
            raise smtplib.SMTPServerDisconnected("the SMTP session closed")
        return self.backend.connection

    def _end(self, code: int) -> None:
        # 421: the server closes the session; otherwise the transaction is reset for the next mail.
        if code == 421:
            self.backend.close()
        else:
            try:
                self._session().rset()
            except (smtplib.SMTPException, OSError):
                self.backend.close()

    def close(self) -> None:
        self._pool.submit(connections.close_all).result()
        self._pool.shutdown()
