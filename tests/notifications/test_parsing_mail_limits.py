"""Reply mail parsing: quote stripping as a person reads, hostile mail at the size cap, bounds that
answer with a typed error (MailTooComplex → the listener's 554), never anything else."""

from __future__ import annotations

import time
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from notifications.parsing import mime
from notifications.parsing.html_text import html_to_text
from notifications.parsing.mail import (
    MAX_CONTAINERS,
    MailTooComplex,
    MalformedMail,
    mail_parse,
)
from notifications.parsing.quotes import MAX_TEXT, strip_quoted
from tests.notifications.corpus.hostile_mail import hostile
from tests.notifications.corpus.mail_quotes import CASES

CAP = settings.INBOUND_MAIL_MAX_BYTES
# Generous: each of these takes well under 0.2 s here (see `make bench BENCH=reply_parsing`); the
# quadratic code they replace took minutes to hours at this size.
GENEROUS_SECONDS = 10  # CPU seconds of this process: a busy machine does not fail it


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_strip_quoted_reads_the_new_text_as_a_person_would(case):
    assert strip_quoted(case.body) == case.expected


HOSTILE = hostile(CAP)


@pytest.mark.parametrize("build", HOSTILE.values(), ids=list(HOSTILE))
def test_hostile_mail_at_the_size_cap_parses_in_bounded_time(build):
    raw = build()
    assert CAP * 0.9 < len(raw) <= CAP
    started = time.process_time()
    parsed = mail_parse(raw)
    assert time.process_time() - started < GENEROUS_SECONDS
    assert len(parsed.text) <= MAX_TEXT and "\x00" not in parsed.text


def _nested(depth: int) -> bytes:
    opening = "".join(f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n" for i in range(depth))
    return f"From: a@example.jp\r\n{opening}Content-Type: text/plain\r\n\r\n12月5日\r\n".encode()


def test_nesting_within_the_bound_is_read():
    assert mail_parse(_nested(MAX_CONTAINERS)).text == "12月5日"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (_nested(MAX_CONTAINERS + 1), "MIME parts nested too deeply"),
        (_nested(5000), "MIME parts nested too deeply"),
        (b"From: " + b"(" * 3000 + b")" * 3000 + b" <a@example.jp>\r\n\r\nhi", "Header comments nested too deeply"),
        (b"From: a@example.jp\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n" + b"--z\r\n\r\nx\r\n" * 3000,
         "Too many MIME parts"),
        (b"Content-Type: text/plain; a=\"" + b";" * 20_000 + b"\"\r\n\r\nhi", "Header field too long"),
    ],
    ids=["nesting", "deep-nesting", "comments", "parts", "field"],
)
def test_shapes_past_the_bounds_are_a_typed_error_with_plain_words(raw, reason):
    with pytest.raises(MailTooComplex) as caught:
        mail_parse(raw)
    assert caught.value.reason == reason
    assert isinstance(caught.value, MalformedMail)  # the listener's existing 554 path


def test_comments_a_person_writes_are_fine():
    parsed = mail_parse(b"From: Taro (shop (Shinagawa)) <a@example.jp>\r\n\r\nhi")
    assert parsed.from_address == "Taro (shop (Shinagawa)) <a@example.jp>"


def test_nul_bytes_are_dropped_everywhere():
    raw = "From: a\x00b@example.jp\r\nSubject: 車\x00検\r\nMessage-ID: <x\x00@y>\r\n\r\n12月\x005日".encode()
    parsed = mail_parse(raw)
    assert parsed.text == "12月5日" and parsed.subject == "車検" and parsed.from_address == "ab@example.jp"
    assert "\x00" not in parsed.message_id


def test_raw_eight_bit_headers_are_read_as_japanese_mail():
    parsed = mail_parse("From: 山田 <a@example.jp>\r\nSubject: 車検の件\r\n\r\nはい".encode("cp932"))
    assert parsed.from_address == "山田 <a@example.jp>" and parsed.subject == "車検の件"


def test_multipart_digest_and_attached_message_are_walked():
    inner = MIMEText("12月5日でお願いします", "plain", "utf-8").as_bytes()
    raw = (b"From: a@example.jp\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n"
           b"Content-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--zz--\r\n")
    assert mail_parse(raw).text == "12月5日でお願いします"


def test_a_missing_closing_boundary_keeps_the_last_part():
    raw = b"Content-Type: multipart/alternative; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nDec 5\r\n"
    assert mail_parse(raw).text == "Dec 5"


def test_html_scanner_keeps_what_a_browser_shows():
    markup = (
        "<html><head><title>t</title><style>p{}</style></head><body><p>12月5日&nbsp;10時</p>"
        "<script>if (a<b) {x('</div>')}</script><p>a < b</p><div class=\"gmail_quote\"><div>引用</div>"
        "<div>引用2</div></div><blockquote><blockquote>q</blockquote>q</blockquote><!-- c --><p>以上</p></body></html>"
    )
    assert html_to_text(markup) == "12月5日 10時\n\na < b\n\n以上"


def test_mime_reader_matches_the_standard_library_on_a_usual_reply():
    message = MIMEMultipart("alternative")
    message.attach(MIMEText("プレーン 12月5日", "plain", "iso-2022-jp"))
    message.attach(MIMEText("<p>HTML</p>", "html", "utf-8"))
    parts = list(mime.walk(mime.split(message.as_bytes())))
    assert [p.content_type for p in parts] == ["multipart/alternative", "text/plain", "text/html"]
    assert parts[1].param("charset") == "iso-2022-jp"


# -- properties -------------------------------------------------------------------------------

_ANY_OUTCOME = hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_ANY_OUTCOME
@given(st.binary(max_size=4000))
def test_any_bytes_give_a_mail_or_malformed(raw):
    try:
        parsed = mail_parse(raw)
    except MalformedMail as exc:
        assert exc.reason
        return
    for value in (parsed.text, parsed.subject, parsed.from_address, parsed.message_id):
        assert "\x00" not in value
        value.encode("utf-8")  # no lone surrogate: PostgreSQL and psycopg take it


_LINE = st.sampled_from([
    "12月5日でお願いします", "> quoted", "On Tue, Nov 24, 2026 at 10:00 AM T-Connect <a@b> wrote:", "", "-- ",
    "2026年11月24日(火) 10:00 T-Connect <", "a@b>:", "差出人: T", "送信日時: 2026", "Sent from my iPhone", "<p>x", "\x00",
    "=?utf-8?b?5bGx55Sw?=", "(((", ")", "--zz", "Content-Type: multipart/mixed; boundary=zz", "Content-Transfer-Encoding: base64",
])


@_ANY_OUTCOME
@given(
    headers=st.lists(_LINE, max_size=8),
    body=st.lists(st.one_of(_LINE, st.text(max_size=40)), max_size=30),
    kind=st.sampled_from(["text/plain", "text/html", "multipart/mixed; boundary=zz", "message/rfc822"]),
)
def test_mail_shaped_input_gives_a_mail_or_malformed(headers, body, kind):
    raw = "\r\n".join([f"Content-Type: {kind}", *headers, "", *body]).encode("utf-8", "surrogatepass")
    try:
        parsed = mail_parse(raw)
    except MalformedMail:
        return
    assert "\x00" not in parsed.text and len(parsed.text) <= MAX_TEXT
    parsed.text.encode("utf-8")


@_ANY_OUTCOME
@given(st.text(max_size=3000))
def test_strip_quoted_never_grows_the_text_or_fails(text):
    stripped = strip_quoted(text)
    assert len(stripped) <= min(len(text), MAX_TEXT)
