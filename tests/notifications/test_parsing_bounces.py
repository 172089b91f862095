"""Bounce and feedback-report parsers (issue 15 §1–2): real-world shapes, size limits, odd
encodings, and properties over any input."""

from __future__ import annotations

import base64
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifications.parsing.bounces import DIAGNOSTIC_CAP, HARD, NONE, SOFT, Bounce, bounce_parse
from notifications.parsing.complaints import Complaint, complaint_parse
from notifications.parsing.mail import MailTooComplex, MalformedMail
from notifications.services.complaints import complaint_delivery_id
from notifications.services.verp import bounce_address, message_id
from tests.notifications.bounce_corpus import BOUNCES, COMPLAINTS, filled

EXPECTED = {
    # name: (kind, status, recipient, read from an RFC 3464 report)
    "postfix_user_unknown": (HARD, "5.1.1", "taro.yamada@example.ne.jp", True),
    "postfix_mailbox_full": (SOFT, "5.2.2", "hanako@example.co.jp", True),
    "postfix_delayed": (NONE, "4.4.1", "jiro@example.jp", True),
    "gmail_no_such_user": (HARD, "5.1.1", "no.such.owner.2027@gmail.com", True),
    "exchange_recipient_not_found": (HARD, "5.1.10", "s.ito@outlook.jp", True),
    "softbank_policy_reject": (SOFT, "5.7.1", "user0123@i.softbank.jp", True),
    "exim_unrouteable": (HARD, "5.1.1", "k.suzuki@example.org", False),
    "qmail_no_mailbox": (HARD, "5.1.1", "m.tanaka@example.net", False),
    "docomo_unknown_user": (HARD, "550", "hanako-0420@docomo.ne.jp", False),
    "au_ezweb_user_unknown": (HARD, "5.1.1", "ichiro.sato@ezweb.ne.jp", False),
    "softbank_quota_exceeded": (SOFT, "4.2.2", "yuki.kobayashi@softbank.ne.jp", False),
    "softbank_delay_warning": (NONE, "", "yuki.kobayashi@softbank.ne.jp", False),
    "vacation_autoreply": (NONE, "", "", False),
}


@pytest.fixture(autouse=True)
def _domain(settings):
    settings.REPLY_DOMAIN = "reply.example.jp"


def test_every_fixture_has_an_expectation():
    assert {path.stem for path in BOUNCES} == set(EXPECTED)


@pytest.mark.parametrize("path", BOUNCES, ids=lambda p: p.stem)
def test_real_world_bounces(path):
    bounce = bounce_parse(filled(path))
    assert (bounce.kind, bounce.status, bounce.recipient, bounce.standard) == EXPECTED[path.stem]
    if bounce.kind != NONE:
        assert bounce.diagnostic  # staff see what the server said


def test_japanese_carrier_bounces_keep_their_japanese_readable():
    # docomo: ISO-2022-JP text; au: base64 Shift_JIS inside multipart/mixed.
    assert "Unknown user" in bounce_parse(filled(next(p for p in BOUNCES if p.stem == "docomo_unknown_user"))).diagnostic
    softbank = bounce_parse(filled(next(p for p in BOUNCES if p.stem == "softbank_quota_exceeded")))
    assert "容量超過" in softbank.diagnostic


def test_quoted_original_never_decides():
    """The copy of our own mail inside a bounce mentions '452 4.2.2 temporarily' on purpose."""
    for stem in ("gmail_no_such_user", "exim_unrouteable", "qmail_no_mailbox", "au_ezweb_user_unknown"):
        assert bounce_parse(filled(next(p for p in BOUNCES if p.stem == stem))).kind == HARD


@pytest.mark.parametrize("path", COMPLAINTS, ids=lambda p: p.stem)
def test_real_world_feedback_reports_name_the_delivery(path):
    raw = filled(path, delivery_id=4711)
    if path.stem == "not_a_report":
        with pytest.raises(MalformedMail):
            complaint_parse(raw)
        return
    complaint = complaint_parse(raw)
    assert complaint.feedback_type == "abuse" and complaint_delivery_id(complaint) == 4711
    assert complaint.arf == path.stem.startswith("arf_")


def test_a_forged_report_names_no_delivery():
    raw = filled(COMPLAINTS[0], delivery_id=4711).replace(message_id(4711).encode(), b"<4711.0000000000000000000a@reply.example.jp>")
    raw = raw.replace(bounce_address(4711).encode(), b"bounce-4711-00000000000000000000@reply.example.jp")
    assert complaint_delivery_id(complaint_parse(raw)) is None


# --- size limits -------------------------------------------------------------------------

def _dsn(status: str, diagnostic: str, action: str = "failed", *, encode: str = "7bit") -> bytes:
    report = f"Reporting-MTA: dns; mx.example.jp\n\nFinal-Recipient: rfc822; a@example.jp\nAction: {action}\nStatus: {status}\nDiagnostic-Code: smtp; {diagnostic}\n"
    body = report.encode("utf-8")
    if encode == "base64":
        body = base64.encodebytes(body)
    return (
        "From: MAILER-DAEMON@mx.example.jp\nSubject: Undelivered Mail\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nThe mail system\n\n"
        f"--b\nContent-Type: message/delivery-status\nContent-Transfer-Encoding: {encode}\n\n"
    ).encode() + body + b"\n--b--\n"


def test_a_megabyte_diagnostic_is_capped_and_quick():
    raw = _dsn("5.1.1", "User unknown " + "x" * 1_000_000)
    started = time.process_time()
    bounce = bounce_parse(raw)
    assert time.process_time() - started < 2.0
    assert bounce.kind == HARD and len(bounce.diagnostic) <= DIAGNOSTIC_CAP


def test_a_megabyte_of_text_without_codes_is_no_failure():
    raw = b"From: someone@example.jp\nSubject: hello\n\n" + b"lorem ipsum " * 90_000
    assert bounce_parse(raw).kind == NONE


def test_too_many_parts_is_refused_for_its_shape():
    raw = b'Content-Type: multipart/mixed; boundary="x"\n\n' + b"--x\n\npart\n" * 3000
    with pytest.raises(MailTooComplex):
        bounce_parse(raw)
    with pytest.raises(MailTooComplex):
        complaint_parse(raw)


def test_empty_input_is_malformed():
    for parse in (bounce_parse, complaint_parse):
        with pytest.raises(MalformedMail):
            parse(b"")


def test_base64_report_and_delay():
    assert bounce_parse(_dsn("5.1.1", "no such user", encode="base64")).kind == HARD
    assert bounce_parse(_dsn("4.4.7", "still trying", action="delayed")).kind == NONE


# --- properties --------------------------------------------------------------------------

@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=4000))
def test_any_bytes_give_a_result_or_malformed(raw):
    for parse, kind in ((bounce_parse, Bounce), (complaint_parse, Complaint)):
        try:
            result = parse(raw)
        except MalformedMail:
            continue
        assert isinstance(result, kind)
        if isinstance(result, Bounce):
            assert result.kind in (HARD, SOFT, NONE) and len(result.diagnostic) <= DIAGNOSTIC_CAP


_SOFT_5 = {"5.2.2", "5.3.4", "5.7.1", "5.7.26"}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    klass=st.sampled_from("45"), subject=st.integers(0, 7), detail=st.integers(0, 30),
    words=st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=60),
    encode=st.sampled_from(["7bit", "base64"]),
)
def test_a_report_is_classified_by_its_status(klass, subject, detail, words, encode):
    status = f"{klass}.{subject}.{detail}"
    bounce = bounce_parse(_dsn(status, words.replace("\n", " "), encode=encode))
    assert bounce.status == status and bounce.standard
    if klass == "4":
        assert bounce.kind == SOFT
    elif status in _SOFT_5 or subject in (3,) or (subject == 7):
        assert bounce.kind in (SOFT, HARD)  # soft unless the words say the user is unknown
    elif status == "5.2.2":
        assert bounce.kind in (SOFT, HARD)
    else:
        assert bounce.kind == HARD


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(delivery_id=st.integers(1, 10**12), feedback=st.sampled_from(["abuse", "fraud", "other", "virus"]))
def test_any_arf_naming_our_delivery_is_found(delivery_id, feedback):
    raw = filled(COMPLAINTS[0], delivery_id=delivery_id).replace(b"Feedback-Type: abuse", f"Feedback-Type: {feedback}".encode())
    complaint = complaint_parse(raw)
    assert complaint.feedback_type == feedback and complaint_delivery_id(complaint) == delivery_id
