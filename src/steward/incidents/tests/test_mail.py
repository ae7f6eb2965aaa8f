"""The email channel (seed 003 ch. 8, procedure 1 for requests sent by email).

Messages are real RFC 5322 text: the fixtures in ``tests/mail/*.eml`` and a few built
inline for the decision tables. The outbound test delivers a notification to a real SMTP
server (aiosmtpd) on 127.0.0.1.
"""

import imaplib
import io
import socket
import subprocess
import sys
import threading
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import include, path, reverse

from steward.core import notify
from steward.core.choices import JournalKind
from steward.core.mailparse import LOOP_HEADER, html_to_text, strip_quoted
from steward.core.models import Attachment, JournalEntry, Notification, Person
from steward.core.tests.factories import PersonFactory
from steward.incidents.choices import Channel, MailOutcome
from steward.incidents.models import InboundMail, IncidentRequest
from steward.incidents.services import mail as mail_service
from steward.incidents.services.mail import NOTIFICATION_ID, mail_ingest

FIXTURES = Path(__file__).parent / "mail"


def _urlpatterns() -> list:
    """The site's URLs with the inbound mail page in the incidents namespace, whether or not
    incidents/urls.py includes views/mail.py yet (the page tests use this URLconf)."""
    from steward import urls as site
    from steward.incidents import urls as incident_urls
    from steward.incidents.views import mail as mail_views

    others = [p for p in site.urlpatterns if getattr(p, "namespace", None) != "incidents"]
    mine = [*incident_urls.urlpatterns, path("", include(mail_views))]
    return [*others, path("", include((mine, "incidents")))]


urlpatterns = _urlpatterns()


def raw_of(name: str, **subs: str) -> bytes:
    raw = (FIXTURES / name).read_bytes()
    for key, value in subs.items():
        raw = raw.replace(f"{{{{{key}}}}}".encode(), value.encode())
    return raw


def ingest(name: str, **subs: str) -> InboundMail:
    return mail_ingest(raw_of(name, **subs))


def message(headers: str, body: str = "Please help, my laptop will not start.") -> bytes:
    """A small text/plain message; ``headers`` are extra header lines."""
    lines = [
        "From: requester@example.com",
        "To: servicedesk@steward.example",
        "Message-ID: <inline-1@mail.example.com>",
        *([] if "Subject:" in headers else ["Subject: Laptop will not start"]),
        *[h for h in headers.splitlines() if h.strip()],
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
    ]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


def public_replies(incident: IncidentRequest) -> list[JournalEntry]:
    return list(
        JournalEntry.objects.filter(
            record_id=incident.pk,
            record_type__model="incidentrequest",
            kind=JournalKind.PUBLIC_REPLY,
        ).order_by("pk")
    )


def nothing_stored() -> None:
    assert IncidentRequest.objects.count() == 0
    assert Attachment.objects.count() == 0


@pytest.fixture(autouse=True)
def _mail_setup(db, media_root, desk_analyst, requester, service):
    """The desk exists; the requester (requester@example.com) is Acme's."""


# --- New requests ---------------------------------------------------------------------------


def test_a_plain_message_registers_a_request_for_the_sender():
    log = ingest("plain.eml")

    assert log.outcome == MailOutcome.CREATED
    incident = log.incident
    assert incident.requester.username == "requester"  # From matched case-insensitively
    assert incident.channel == Channel.EMAIL
    assert incident.title == "Printer on floor 3 is jammed"
    assert "no paper stuck" in incident.description
    assert "Café corner" in incident.description  # quoted-printable UTF-8 decoded
    assert incident.source_message_id == "<20250304091400.1234@mail.example.com>"
    assert log.sender == "requester@example.com"
    assert log.message_id == "<20250304091400.1234@mail.example.com>"
    assert log.subject == "Printer on floor 3 is jammed"


def test_html_only_mail_is_sanitised_and_kept_as_text():
    log = ingest("html_script.eml")

    assert log.outcome == MailOutcome.CREATED
    text = log.incident.description
    assert "The VPN drops every 10 minutes & I have to log in again." in text
    assert "- Laptop: LT-0042" in text
    for trace in ("<script", "document.cookie", "alert(", "javascript:", "onerror", "onload",
                  "color: red", "<"):  # fmt: skip
        assert trace not in text


def test_attachments_are_kept_on_the_request_and_refused_types_are_named():
    log = ingest("attachments.eml")

    assert log.outcome == MailOutcome.CREATED
    incident = log.incident
    assert incident.description == (
        "The scanner shows error E42. The spooler log and a screenshot are attached."
    )
    files = {a.original_name: a for a in Attachment.objects.filter(record_id=incident.pk)}
    assert set(files) == {"spooler.log", "screenshot.png"}
    assert files["screenshot.png"].content_type == "image/png"
    assert files["spooler.log"].uploaded_by.username == "requester"
    with files["spooler.log"].file.open("rb") as stored:
        assert b"paper jam in tray 2" in stored.read()
    assert "fix.exe" in log.reason
    assert JournalEntry.objects.filter(
        record_id=incident.pk, kind=JournalKind.SYSTEM, body__contains="fix.exe"
    ).exists()


def test_a_message_without_text_but_with_a_file_is_accepted():
    raw = raw_of("malformed.eml").replace(
        b"To: servicedesk", b"From: requester@example.com\nTo: servicedesk"
    )
    raw = raw.replace(b"My monitor flickers. See the attached photo.", b"")

    log = mail_ingest(raw)

    assert log.outcome == MailOutcome.CREATED
    assert log.incident.title == "Monitor flickers"
    assert Attachment.objects.get().original_name == "photo.png"


# --- Replies --------------------------------------------------------------------------------


def test_a_reply_naming_the_request_number_in_the_subject_becomes_a_public_reply():
    incident = ingest("plain.eml").incident

    log = ingest("reply_subject.eml", NUMBER=incident.number)

    assert log.outcome == MailOutcome.REPLIED
    assert log.incident == incident
    assert IncidentRequest.objects.count() == 1
    [reply] = public_replies(incident)
    assert reply.actor.username == "requester"
    assert reply.body == "It happened again just now, tray 2 this time."  # quote stripped


def test_a_reply_to_a_notification_threads_by_in_reply_to(requester):
    incident = ingest("plain.eml").incident
    [sent] = notify.send(
        recipients=[requester], event="incident.registered", title="Registered", record=incident
    )
    # The Message-ID our notification emails carry (see the report for the notify change).
    notification_id = f"<174107640000.4242.98765.steward-n{sent.pk}@steward.example>"

    log = ingest("reply_notification.eml", IN_REPLY_TO=notification_id)

    assert log.outcome == MailOutcome.REPLIED
    assert log.incident == incident
    [reply] = public_replies(incident)
    assert reply.body == "Thanks, the model number is HP LaserJet M404."


def test_a_reply_to_the_original_message_threads_by_references():
    incident = ingest("plain.eml").incident

    log = ingest("reply_notification.eml", IN_REPLY_TO="<unknown-to-steward@elsewhere>")

    assert log.outcome == MailOutcome.REPLIED  # References names the message that created it
    assert log.incident == incident


def test_a_number_of_a_request_the_sender_may_not_see_starts_a_new_request(
    make_incident, other_requester
):
    foreign = make_incident(requester=other_requester, title="Globex payroll is down")

    log = ingest("reply_subject.eml", NUMBER=foreign.number)

    assert log.outcome == MailOutcome.CREATED
    assert log.incident != foreign
    assert log.incident.requester.username == "requester"
    assert public_replies(foreign) == []


def test_staff_replying_by_email_add_a_public_reply_as_themselves(desk_analyst):
    incident = ingest("plain.eml").incident
    desk_analyst.email = "analyst@steward.example"
    desk_analyst.save()
    raw = message(f"Subject: Re: {incident.number} printer", body="A technician is on the way.")
    raw = raw.replace(b"From: requester@example.com", b"From: Analyst@Steward.example")

    log = mail_ingest(raw.replace(b"inline-1", b"staff-1"))

    assert log.outcome == MailOutcome.REPLIED
    [reply] = public_replies(incident)
    assert reply.actor == desk_analyst


def test_a_reply_to_a_resolved_request_is_just_a_reply(resolved_incident, requester):
    raw = message(f"Subject: Re: {resolved_incident.number}", body="Still broken for me.")

    log = mail_ingest(raw)

    assert log.outcome == MailOutcome.REPLIED
    assert log.incident == resolved_incident
    assert public_replies(resolved_incident)[-1].body == "Still broken for me."


def test_a_reply_to_a_closed_request_starts_a_follow_up(resolved_incident, requester):
    from steward.incidents.services.incidents import incident_accept

    incident_accept(actor=requester, incident_id=resolved_incident.pk)
    raw = message(f"Subject: Re: {resolved_incident.number}", body="It is broken again.")

    log = mail_ingest(raw)

    assert log.outcome == MailOutcome.CREATED
    assert log.incident != resolved_incident
    assert log.incident.description.startswith(f"Follow-up to {resolved_incident.number}.")
    assert "It is broken again." in log.incident.description


# --- Ignored --------------------------------------------------------------------------------


def test_an_auto_reply_is_ignored():
    log = ingest("auto_reply.eml")

    assert log.outcome == MailOutcome.IGNORED_AUTO_REPLY
    assert "auto-replied" in log.reason
    nothing_stored()


def test_our_own_notification_coming_back_is_ignored_as_a_loop():
    log = ingest("loop.eml")

    assert log.outcome == MailOutcome.IGNORED_LOOP
    assert "steward@localhost" in log.reason
    nothing_stored()


RECEIVED = "Received: from relay.example by mx.example; Tue, 4 Mar 2025 09:00:00 +0100\n"


@pytest.mark.parametrize(
    ("headers", "outcome"),
    [
        ("Auto-Submitted: auto-generated", MailOutcome.IGNORED_AUTO_REPLY),
        ("Auto-Submitted: auto-replied; owner-email=x@example.com", MailOutcome.IGNORED_AUTO_REPLY),
        ("X-Autoreply: yes", MailOutcome.IGNORED_AUTO_REPLY),
        ("X-Autorespond: Out of office", MailOutcome.IGNORED_AUTO_REPLY),
        ("Precedence: bulk", MailOutcome.IGNORED_AUTO_REPLY),
        ("Precedence: junk", MailOutcome.IGNORED_AUTO_REPLY),
        ("Precedence: auto_reply", MailOutcome.IGNORED_AUTO_REPLY),
        ("Return-Path: <>", MailOutcome.IGNORED_AUTO_REPLY),
        ("Subject: Out of Office: back on Monday", MailOutcome.IGNORED_AUTO_REPLY),
        ("Subject: Automatic reply: Laptop", MailOutcome.IGNORED_AUTO_REPLY),
        ("Subject: Undeliverable: Laptop", MailOutcome.IGNORED_AUTO_REPLY),
        (f"{LOOP_HEADER}: 1", MailOutcome.IGNORED_LOOP),
        ("X-Loop: steward@localhost", MailOutcome.IGNORED_LOOP),
        (RECEIVED * 31, MailOutcome.IGNORED_LOOP),
        # Not machine mail, not a loop: a request.
        ("Auto-Submitted: no", MailOutcome.CREATED),
        ("Precedence: normal", MailOutcome.CREATED),
        ("X-Loop: some-list@lists.example", MailOutcome.CREATED),
        (RECEIVED * 5, MailOutcome.CREATED),
        ("Subject: The office printer is out of toner", MailOutcome.CREATED),
    ],
)
def test_machine_mail_and_loops_are_recognised(headers, outcome):
    log = mail_ingest(message(headers))

    assert log.outcome == outcome
    assert IncidentRequest.objects.count() == (1 if outcome == MailOutcome.CREATED else 0)


def test_a_multipart_report_bounce_is_ignored():
    raw = (
        b"From: MAILER-DAEMON@mail.example.com\r\nTo: steward@localhost\r\n"
        b"Subject: Your message\r\nMessage-ID: <dsn-1@mail.example.com>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
        b"--r\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n--r--\r\n"
    )

    assert mail_ingest(raw).outcome == MailOutcome.IGNORED_AUTO_REPLY
    nothing_stored()


def test_the_same_message_ingested_twice_at_once_creates_one_request(monkeypatch):
    first = ingest("plain.eml")
    looks = iter([False])  # the second run checked before the first had committed
    real = mail_service._already_processed
    monkeypatch.setattr(mail_service, "_already_processed", lambda mid: next(looks, real(mid)))

    again = ingest("plain.eml")

    assert again.outcome == MailOutcome.IGNORED_DUPLICATE
    assert IncidentRequest.objects.get() == first.incident  # the second one was rolled back


def test_encoded_headers_are_decoded():
    raw = message("Subject: =?utf-8?q?Drucker_f=C3=A4llt_aus?=").replace(
        b"From: requester@example.com", b"From: =?iso-8859-1?q?Ren=E9?= <requester@example.com>"
    )

    log = mail_ingest(raw)

    assert log.incident.title == "Drucker fällt aus"
    assert log.subject == "Drucker fällt aus"


def test_a_message_processed_before_is_ignored_as_a_duplicate():
    first = ingest("plain.eml")

    again = ingest("plain.eml")

    assert again.outcome == MailOutcome.IGNORED_DUPLICATE
    assert again.incident is None
    assert IncidentRequest.objects.get() == first.incident
    assert InboundMail.objects.count() == 2  # both looks are logged


# --- Rejected -------------------------------------------------------------------------------


def test_a_message_without_a_sender_is_rejected_with_nothing_stored(caplog):
    with caplog.at_level("WARNING", logger="steward.incidents.services.mail"):
        log = ingest("malformed.eml")

    assert log.outcome == MailOutcome.REJECTED
    assert log.reason == "No usable From address."
    assert log.subject == "Monitor flickers"
    assert log.incident is None
    nothing_stored()
    assert "<malformed-1@mail.example.com>" in caplog.text
    assert "rejected: No usable From address." in caplog.text


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\x00\xff\xfe\x00 not an email at all \x89PNG", "No usable From address."),
        (b"From: not an address\r\nSubject: x\r\n\r\nhello\r\n", "No usable From address."),
        (message("", body=""), "The message has no text and no attachments."),
        (
            message("").replace(b"requester@example.com", b"stranger@example.org"),
            "Unknown sender stranger@example.org: no active person has this address.",
        ),
    ],
    ids=["garbage", "bad-from", "empty", "unknown-sender"],
)
def test_unusable_messages_are_rejected_with_a_reason(raw, reason):
    log = mail_ingest(raw)

    assert log.outcome == MailOutcome.REJECTED
    assert log.reason == reason
    nothing_stored()


def test_an_undecodable_body_is_rejected():
    log = ingest("bad_charset.eml")

    assert log.outcome == MailOutcome.REJECTED
    assert log.reason == "The body uses an unknown character set (x-no-such-charset)."
    nothing_stored()


def test_a_sender_without_a_role_is_rejected(customer_org):
    PersonFactory(username="norole-mail", email="norole@example.com", organisations=[customer_org])
    raw = message("").replace(b"requester@example.com", b"norole@example.com")

    log = mail_ingest(raw)

    assert log.outcome == MailOutcome.REJECTED
    assert log.reason == "The sender norole@example.com has no role in Steward."
    nothing_stored()


def test_a_failure_half_way_keeps_nothing(monkeypatch, media_root):
    from steward.core.services import attachments as attachment_services

    real_add = attachment_services.attachment_add
    calls = []

    def add_then_fail(**kwargs):
        calls.append(kwargs["uploaded_file"].name)
        if len(calls) == 2:
            raise attachment_services.ValidationError({"file": ["The disk is full."]})
        return real_add(**kwargs)

    monkeypatch.setattr(attachment_services, "attachment_add", add_then_fail)

    log = ingest("attachments.eml")

    assert calls == ["spooler.log", "screenshot.png"]  # the first file was stored, then undone
    assert log.outcome == MailOutcome.REJECTED
    assert log.reason == "file: The disk is full."
    assert log.incident is None
    nothing_stored()
    assert JournalEntry.objects.count() == 0
    assert [p for p in Path(media_root).rglob("*") if p.is_file()] == []


def test_unknown_senders_can_be_accepted_as_contacts_when_the_site_says_so(settings, desk_analyst):
    settings.INCIDENT_MAIL_ACCEPT_UNKNOWN = True
    settings.INCIDENT_MAIL_ACTOR = desk_analyst.username
    raw = message("").replace(b"requester@example.com", b'"Sam Stranger" <sam@example.org>')

    log = mail_ingest(raw)

    assert log.outcome == MailOutcome.CREATED
    contact = log.incident.requester
    assert (contact.email, contact.first_name, contact.last_name) == (
        "sam@example.org",
        "Sam",
        "Stranger",
    )
    assert not contact.has_usable_password()
    assert log.incident.registered_by == desk_analyst

    follow = message(f"Subject: Re: {log.incident.number}", body="Any news?")
    follow = follow.replace(b"requester@example.com", b"sam@example.org")
    reply = mail_ingest(follow.replace(b"inline-1", b"inline-2"))

    assert reply.outcome == MailOutcome.REPLIED
    assert reply.incident == log.incident
    assert Person.objects.filter(email="sam@example.org").count() == 1


# --- Text helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Fixed, thanks.\n\nOn Mon, 3 Mar 2025, Steward <s@x> wrote:\n> old", "Fixed, thanks."),
        ("Fixed.\n-----Original Message-----\nFrom: Steward", "Fixed."),
        ("Fixed.\n\nFrom: Steward <steward@localhost>\nSent: today", "Fixed."),
        ("> quoted only\n> more", "> quoted only\n> more"),  # nothing new: keep it all
        ("Line one\nline two", "Line one\nline two"),
    ],
)
def test_quoted_earlier_messages_are_cut_from_replies(text, kept):
    assert strip_quoted(text) == kept


def test_html_becomes_readable_text():
    html = "<p>Hello&nbsp;<b>team</b></p><script>x()</script><ul><li>one</li><li>two</li></ul>"

    assert html_to_text(html) == "Hello team\n\n- one\n- two"


# --- The command ------------------------------------------------------------------------------


def run_cli(monkeypatch, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) as ``steward mail ...`` would give them.

    Django's command runner prints a CommandError as "CommandError: <message>" and exits
    with its ``returncode``; ``test_the_steward_command_exits_1`` checks that for real.
    """
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("mail", *args, stdout=out, stderr=err)
        code = 0
    except CommandError as exc:
        code = exc.returncode
        err.write(f"CommandError: {exc}\n")
    return code, out.getvalue(), err.getvalue()


def test_cli_ingests_a_message_from_stdin(monkeypatch):
    code, out, _ = run_cli(monkeypatch, "ingest", stdin=raw_of("plain.eml"))

    assert code == 0
    incident = IncidentRequest.objects.get()
    assert out.strip() == f"created {incident.number} <20250304091400.1234@mail.example.com>"


def test_cli_ingests_an_eml_file(monkeypatch):
    code, out, _ = run_cli(monkeypatch, "ingest", str(FIXTURES / "auto_reply.eml"))

    assert code == 0
    assert out.startswith("ignored_auto_reply <auto-reply-1@mail.example.com>")


@pytest.mark.parametrize(
    ("args", "stdin", "message_part"),
    [
        (("ingest", str(FIXTURES / "malformed.eml")), None, "1 of 1 message rejected"),
        (("ingest", "/nonexistent/message.eml"), None, "cannot read /nonexistent/message.eml"),
        (("ingest",), b"", "no message on standard input"),
        (("ingest", str(FIXTURES)), None, "is not a Maildir (it needs new/ and cur/)"),
        (("fetch",), None, "STEWARD_IMAP_HOST is not set"),
    ],
    ids=["rejected", "missing-file", "empty-stdin", "not-maildir", "no-imap-host"],
)
def test_cli_bad_input_exits_1_with_a_one_line_reason(monkeypatch, args, stdin, message_part):
    code, _, err = run_cli(monkeypatch, *args, stdin=stdin)

    assert code == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith("CommandError: ")
    assert message_part in last
    nothing_stored()


def test_the_steward_command_exits_1_with_a_one_line_reason():
    result = subprocess.run(
        [sys.executable, "-m", "steward.cli", "mail", "ingest", "/nonexistent/message.eml"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: cannot read /nonexistent/message.eml: No such file or directory"
    ]


def test_cli_ingests_a_maildir_and_moves_messages_to_cur(tmp_path):
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1741076040.M1P1.mx").write_bytes(raw_of("plain.eml"))
    (maildir / "new" / "1741079000.M2P1.mx").write_bytes(raw_of("html_script.eml"))
    (maildir / "new" / "1741079100.M3P1.mx").write_bytes(raw_of("auto_reply.eml"))
    out = io.StringIO()

    call_command("mail", "ingest", str(maildir), stdout=out)

    assert IncidentRequest.objects.count() == 2
    assert list((maildir / "new").iterdir()) == []
    assert sorted(p.name for p in (maildir / "cur").iterdir()) == [
        "1741076040.M1P1.mx:2,S",
        "1741079000.M2P1.mx:2,S",
        "1741079100.M3P1.mx:2,S",
    ]
    assert len(out.getvalue().strip().splitlines()) == 3

    call_command("mail", "ingest", str(maildir), stdout=io.StringIO())  # nothing new to read
    assert InboundMail.objects.count() == 3


class FakeImap:
    """Stands in for imaplib.IMAP4_SSL: a mailbox of UNSEEN messages by UID."""

    messages: dict[bytes, bytes] = {}
    seen: list[bytes] = []
    logins: list[tuple[str, str]] = []

    def __init__(self, host: str, port: int) -> None:
        self.address = (host, port)

    def login(self, user: str, password: str) -> tuple[str, list[bytes]]:
        self.logins.append((user, password))
        return "OK", [b"Logged in"]

    def select(self, folder: str) -> tuple[str, list[bytes]]:
        return ("OK", [b"2"]) if folder == "Helpdesk" else ("NO", [b"No such folder"])

    def uid(self, command: str, *args):
        if command == "SEARCH":
            unseen = [u for u in self.messages if u not in self.seen]
            return "OK", [b" ".join(unseen)]
        if command == "FETCH":
            uid = args[0]
            return "OK", [(b"%s (UID %s BODY[] {1})" % (uid, uid), self.messages[uid]), b")"]
        if command == "STORE":
            self.seen.append(args[0])
            return "OK", [b""]
        raise AssertionError(command)

    def logout(self) -> tuple[str, list[bytes]]:
        return "BYE", [b""]


def test_fetch_ingests_unseen_imap_messages_and_marks_them_seen(monkeypatch, settings):
    settings.STEWARD_IMAP_HOST = "imap.steward.example"
    settings.STEWARD_IMAP_USER = "servicedesk"
    settings.STEWARD_IMAP_PASSWORD = "secret"
    settings.STEWARD_IMAP_FOLDER = "Helpdesk"
    FakeImap.messages = {b"7": raw_of("plain.eml"), b"9": raw_of("auto_reply.eml")}
    FakeImap.seen, FakeImap.logins = [], []
    monkeypatch.setattr(imaplib, "IMAP4_SSL", FakeImap)

    call_command("mail", "fetch", stdout=io.StringIO())

    assert FakeImap.logins == [("servicedesk", "secret")]
    assert FakeImap.seen == [b"7", b"9"]
    assert IncidentRequest.objects.count() == 1
    assert sorted(InboundMail.objects.values_list("outcome", flat=True)) == [
        MailOutcome.CREATED,
        MailOutcome.IGNORED_AUTO_REPLY,
    ]


def test_fetch_reports_an_unreachable_server_in_one_line(settings):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.STEWARD_IMAP_HOST, settings.STEWARD_IMAP_PORT = "127.0.0.1", port
    settings.STEWARD_IMAP_SSL = False

    with pytest.raises(CommandError, match=rf"^cannot connect to 127.0.0.1:{port}: "):
        call_command("mail", "fetch")


def test_fetch_reports_a_missing_folder(monkeypatch, settings):
    settings.STEWARD_IMAP_HOST, settings.STEWARD_IMAP_FOLDER = "imap.steward.example", "Nope"
    monkeypatch.setattr(imaplib, "IMAP4_SSL", FakeImap)

    with pytest.raises(CommandError, match="cannot open the IMAP folder 'Nope'"):
        call_command("mail", "fetch")


# --- Outbound: a real SMTP server --------------------------------------------------------------


class Collector:
    def __init__(self) -> None:
        self.envelopes: list = []
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        self.envelopes.append(envelope)
        self.received.set()
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield collector
    finally:
        controller.stop()


def received_message(smtp_server: Collector, to: str):
    assert smtp_server.received.wait(10)
    for envelope in smtp_server.envelopes:
        if to in envelope.rcpt_tos:
            return envelope, message_from_bytes(envelope.content, policy=policy.default)
    raise AssertionError(f"nothing was sent to {to}: {[e.rcpt_tos for e in smtp_server.envelopes]}")


def test_the_registration_notice_reaches_a_real_smtp_server_and_is_not_read_back(
    smtp_server, requester, django_capture_on_commit_callbacks
):
    # Registering by email tells the requester; the email goes out after commit.
    with django_capture_on_commit_callbacks(execute=True):
        incident = ingest("plain.eml").incident

    envelope, received = received_message(smtp_server, "requester@example.com")

    assert envelope.rcpt_tos == ["requester@example.com"]
    assert received["To"] == "requester@example.com"
    assert received["From"] == "Steward <steward@localhost>"
    subject = f"{incident.number}: Your request was registered: Printer on floor 3 is jammed"
    assert received["Subject"] == subject
    assert incident.get_absolute_url() in received.get_body().get_content()
    notice = Notification.objects.get(recipient=requester, event="incident.registered")
    assert notice.emailed_at is not None
    # The requester's mail server sends it back to us (forward, mailbox rule): a loop.
    assert mail_ingest(envelope.content).outcome == MailOutcome.IGNORED_LOOP
    # The requester answers it: the number in the subject threads the answer.
    answer = message(f"Subject: Re: {received['Subject']}", body="It is the tray 2 again.")
    assert mail_ingest(answer).incident == incident
    assert IncidentRequest.objects.count() == 1


def test_a_notification_carries_our_message_id_and_loop_header_and_replies_thread(
    smtp_server, requester, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = ingest("plain.eml").incident
    _, received = received_message(smtp_server, "requester@example.com")
    notice = Notification.objects.get(recipient=requester, event="incident.registered")

    assert received[LOOP_HEADER]
    assert received["Auto-Submitted"] == "auto-generated"
    found = NOTIFICATION_ID.search(received["Message-ID"])
    assert found and int(found.group(1)) == notice.pk
    reply = mail_ingest(
        raw_of("reply_notification.eml", IN_REPLY_TO=received["Message-ID"]).replace(
            b"References: <20250304091400.1234@mail.example.com>", b"References:"
        )
    )
    assert reply.outcome == MailOutcome.REPLIED
    assert reply.incident == incident


# --- The inbound mail page ----------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_the_desk_sees_the_inbound_mail_log_with_outcomes_and_reasons(client, desk_analyst):
    created = ingest("plain.eml")
    ingest("malformed.eml")
    client.force_login(desk_analyst)

    page = client.get(reverse("incidents:mail-list"))

    assert page.status_code == 200
    text = page.content.decode()
    assert created.incident.number in text
    assert created.incident.get_absolute_url() in text
    assert "No usable From address." in text
    rejected_only = client.get(reverse("incidents:mail-list"), {"outcome": "rejected"})
    assert "Monitor flickers" in rejected_only.content.decode()
    assert created.incident.number not in rejected_only.content.decode()
    export = client.get(reverse("incidents:mail-list"), {"format": "csv"})
    rows = b"".join(export.streaming_content).decode().splitlines()
    assert len(rows) == 3  # header and the two messages


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("who", ["requester", "specialist"])
def test_people_outside_the_desk_may_not_open_the_mail_log(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("incidents:mail-list")).status_code == 403


@pytest.mark.urls(__name__)
def test_anonymous_people_are_sent_to_log_in_for_the_mail_log(client):
    response = client.get(reverse("incidents:mail-list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
