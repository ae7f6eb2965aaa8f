"""The email channel of Incident Management (seed 003 ch. 8, procedure 1: "if the user
contacted the service desk in writing (e.g. with an email) ...").

``mail_ingest(raw)`` takes one RFC 5322 message (from ``steward mail ingest`` or
``steward mail fetch``) and either registers a new incident request for the sender, adds
the message as a public reply to the request it answers, or ignores/rejects it. Every
message leaves exactly one ``InboundMail`` row saying what happened and why.

Decisions, in this order (the first that applies wins):

1. Unreadable: no usable From address -> ``rejected``.
2. Mail loop -> ``ignored_loop``: sent from our own address (DEFAULT_FROM_EMAIL,
   SERVER_EMAIL), carries our ``X-Steward-Loop`` header or an ``X-Loop`` naming our
   address, or passed more than INCIDENT_MAIL_MAX_RECEIVED (30) mail servers.
3. Automatic reply -> ``ignored_auto_reply``: ``Auto-Submitted`` other than ``no``,
   ``X-Autoreply``/``X-Autorespond``, ``Precedence: bulk|junk|auto_reply``, a delivery
   report (``multipart/report``, empty ``Return-Path``), or an out-of-office subject.
4. Message-ID already turned into a request or reply -> ``ignored_duplicate``.
5. Unknown sender (no active person has the From address, case-insensitive) ->
   ``rejected``. Safer than creating people from forged addresses; a site that wants
   strangers' mail sets INCIDENT_MAIL_ACCEPT_UNKNOWN and names the service desk account
   that registers it in INCIDENT_MAIL_ACTOR (see ``_sender``).
6. Body: text/plain preferred; HTML only is sanitised (nh3) and turned into text. A body
   that cannot be decoded, or no text and no attachments -> ``rejected``.
7. Threading: In-Reply-To/References naming a notification we sent (its Message-ID
   carries ``steward-n<notification id>``), an earlier processed message or the message
   that created a request; else an incident number (``INC000123``) in the subject. The
   request must be one the sender may see. A reply on an open or resolved request is a
   public reply (``incident_add_reply``); on a closed or cancelled one it starts a new
   request that refers to it.
8. Otherwise a new request (``incident_register(channel="email")``).

Attachments (files with a name) are kept through the core attachments service; a file
of a refused type or size is left out and named in the log and the request's journal.
The request, reply, attachments and log row are written in one transaction: on any
failure nothing is kept (stored files are deleted) and the log says ``rejected`` with
the reason.

Trust: the From address is taken as the sender's identity, so the receiving mail server
must reject forged senders (SPF/DKIM/DMARC) before the message reaches Steward.
"""

import logging
import re
from email.message import Message

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404

from steward.core import journal, mailparse, permissions
from steward.core.errors import DomainError
from steward.core.models import Attachment, Notification, Person
from steward.core.services import attachments as attachment_services
from steward.core.services.directory import person_create
from steward.incidents.choices import Channel, IncidentStatus, MailOutcome
from steward.incidents.models import InboundMail, IncidentRequest
from steward.incidents.queries.incidents import incidents_for
from steward.incidents.services.registration import incident_add_reply, incident_register

logger = logging.getLogger(__name__)

# A notification's Message-ID holds "steward-n<pk>" (see the report / core.notify).
NOTIFICATION_ID = re.compile(r"[.<]steward-n(\d+)@", re.IGNORECASE)
INCIDENT_NUMBER = re.compile(r"\b(INC\d{3,})\b", re.IGNORECASE)
CLOSED_STATUSES = {IncidentStatus.CLOSED, IncidentStatus.CANCELLED}

_MESSAGE_ID_MAX = InboundMail._meta.get_field("message_id").max_length
_SENDER_MAX = InboundMail._meta.get_field("sender").max_length
_SUBJECT_MAX = InboundMail._meta.get_field("subject").max_length
_REASON_MAX = InboundMail._meta.get_field("reason").max_length
_TITLE_MAX = IncidentRequest._meta.get_field("title").max_length


class _Outcome(Exception):
    """Stop processing a message: log ``outcome`` with ``reason``."""

    def __init__(self, outcome: str, reason: str) -> None:
        super().__init__(reason)
        self.outcome, self.reason = outcome, reason


def _reject(reason: str) -> _Outcome:
    return _Outcome(MailOutcome.REJECTED, reason)


# --- Finding the request a message answers ----------------------------------------------


def _incident_by_notification(ids: list[str]) -> list[int]:
    notification_pks = [int(m.group(1)) for i in ids if (m := NOTIFICATION_ID.search(i))]
    if not notification_pks:
        return []
    ct = ContentType.objects.get_for_model(IncidentRequest)
    found = dict(
        Notification.objects.filter(pk__in=notification_pks, record_type=ct).values_list(
            "pk", "record_id"
        )
    )
    return [found[pk] for pk in notification_pks if pk in found]


def _incident_by_message_ids(ids: list[str]) -> list[int]:
    if not ids:
        return []
    earlier = dict(
        InboundMail.objects.filter(message_id__in=ids, incident__isnull=False).values_list(
            "message_id", "incident_id"
        )
    )
    created = dict(
        IncidentRequest.objects.filter(source_message_id__in=ids).values_list(
            "source_message_id", "pk"
        )
    )
    return [found[i] for i in ids for found in (earlier, created) if i in found]


def find_thread(actor: Person, message: Message) -> IncidentRequest | None:
    """The request this message answers, among those ``actor`` may see, or None."""
    return _thread_in(incidents_for(actor), message)


def _thread_in(requests: QuerySet[IncidentRequest], message: Message) -> IncidentRequest | None:
    """The first of ``requests`` the message refers to: by the messages it answers, else by
    an incident number in its subject."""
    ids = mailparse.references_of(message, max_length=_MESSAGE_ID_MAX)
    candidates = _incident_by_notification(ids) + _incident_by_message_ids(ids)
    for pk in dict.fromkeys(candidates):
        incident = requests.filter(pk=pk).first()
        if incident is not None:
            return incident
    for number in INCIDENT_NUMBER.findall(mailparse.header(message, "Subject")):
        incident = requests.filter(number=number.upper()).first()
        if incident is not None:
            return incident
    return None


# --- Writing --------------------------------------------------------------------------


def _title(subject: str, body: str, sender: str) -> str:
    title = mailparse.REPLY_PREFIX.sub("", subject).strip()
    if not title:
        first = next((line.strip() for line in body.splitlines() if line.strip()), "")
        title = first or f"Email from {sender}"
    return title[:_TITLE_MAX]


def _log(
    *, message_id: str, sender: str, subject: str, outcome: str, reason: str = "", incident=None
) -> InboundMail:
    return InboundMail.objects.create(
        message_id=message_id,
        sender=sender[:_SENDER_MAX],
        subject=subject[:_SUBJECT_MAX],
        outcome=outcome,
        reason=reason[:_REASON_MAX],
        incident=incident,
    )


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return "; ".join(exc.messages)
    return str(exc) or exc.__class__.__name__


def _desk_actor(address: str) -> Person:
    """The account that registers mail from people without a role (opt-in, see below)."""
    username = getattr(settings, "INCIDENT_MAIL_ACTOR", "")
    actor = Person.objects.filter(username=username, is_active=True).first() if username else None
    if actor is None:
        raise _reject(f"Unknown sender {address}, and INCIDENT_MAIL_ACTOR names no active account.")
    return actor


def _contact(actor: Person, address: str, display_name: str) -> Person:
    first, _, last = display_name.strip().partition(" ")
    base = re.sub(r"[^\w.@+-]", "", address)[:120] or "contact"
    username, n = f"mail-{base}", 1
    while Person.objects.filter(username=username).exists():
        n += 1
        username = f"mail-{base}-{n}"
    return person_create(
        actor=actor, username=username, email=address, first_name=first[:150], last_name=last[:150]
    )


def _sender(address: str, display_name: str) -> tuple[Person, Person, bool]:
    """(actor, requester, is_contact) for the From address.

    A person with a role acts for themselves. Anyone else is rejected, unless the site
    sets INCIDENT_MAIL_ACCEPT_UNKNOWN: then the account named by INCIDENT_MAIL_ACTOR (a
    service desk analyst) records a stranger as a contact without login and registers
    their requests; a contact's later mail is matched to their own requests only.
    """
    people = list(Person.objects.filter(email__iexact=address, is_active=True)[:2])
    if len(people) > 1:
        raise _reject(f"Ambiguous sender {address}: more than one active person has it.")
    person = people[0] if people else None
    if person is not None and permissions.has_any_role(person):
        return person, person, False
    if not getattr(settings, "INCIDENT_MAIL_ACCEPT_UNKNOWN", False):
        if person is None:
            raise _reject(f"Unknown sender {address}: no active person has this address.")
        raise _reject(f"The sender {address} has no role in Steward.")
    actor = _desk_actor(address)
    return actor, person or _contact(actor, address, display_name), True


def _store_files(
    *, actor: Person, incident: IncidentRequest, content: mailparse.MailContent, stored: list[str]
) -> None:
    for item in content.files:
        upload = SimpleUploadedFile(item.name, item.content)
        attachment = attachment_services.attachment_add(
            actor=actor, record=incident, uploaded_file=upload
        )
        stored.append(attachment.file.name)
    if content.left_out:
        journal.system(
            incident,
            text="Not kept from the email: " + ", ".join(content.left_out) + ".",
            data={"left_out": content.left_out},
        )


def _delete_files(names: list[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # pragma: no cover - best effort, the row is gone anyway
            logger.warning("Could not delete the stored file %s", name)


def mail_ingest(raw: bytes) -> InboundMail:
    """Seed 003 ch. 8, procedure 1 (Incident Request Registration) for a request sent by
    email: register it, or add it to the request it answers; log what happened.

    Never raises for a bad message: the returned ``InboundMail`` row has the outcome and
    the reason. Everything a message causes is written in one transaction.
    """
    try:
        message = mailparse.parse(raw)
    except Exception as exc:  # the parser is lenient; anything it still refuses is malformed
        return _finish("", "", "", _reject(f"Cannot read the message ({exc.__class__.__name__})."))
    message_id = mailparse.message_id_of(message, max_length=_MESSAGE_ID_MAX)
    subject = mailparse.header(message, "Subject")
    address, display_name = mailparse.sender_of(message)
    try:
        if not address:
            raise _reject("No usable From address.")
        max_received = int(getattr(settings, "INCIDENT_MAIL_MAX_RECEIVED", 30))
        reason = mailparse.loop_reason(message, address, max_received=max_received)
        if reason:
            raise _Outcome(MailOutcome.IGNORED_LOOP, reason)
        reason = mailparse.auto_reply_reason(message)
        if reason:
            raise _Outcome(MailOutcome.IGNORED_AUTO_REPLY, reason)
        if _already_processed(message_id):
            raise _Outcome(MailOutcome.IGNORED_DUPLICATE, f"{message_id} was processed before.")
        try:
            content = mailparse.content_of(message)
        except mailparse.Unreadable as exc:
            raise _reject(exc.reason) from None
        return _apply(message, message_id, address, display_name, subject, content)
    except _Outcome as result:
        return _finish(message_id, address, subject, result)


def _already_processed(message_id: str) -> bool:
    return bool(message_id) and (
        InboundMail.objects.filter(
            message_id=message_id, outcome__in=[MailOutcome.CREATED, MailOutcome.REPLIED]
        ).exists()
    )


def _finish(message_id: str, sender: str, subject: str, result: _Outcome) -> InboundMail:
    level = logging.WARNING if result.outcome == MailOutcome.REJECTED else logging.INFO
    logger.log(level, "Inbound mail %s from %s: %s: %s", message_id or "(no id)", sender or "?",
               result.outcome, result.reason)  # fmt: skip
    return _log(
        message_id=message_id,
        sender=sender,
        subject=subject,
        outcome=result.outcome,
        reason=result.reason,
    )


def _apply(
    message: Message,
    message_id: str,
    address: str,
    display_name: str,
    subject: str,
    content: mailparse.MailContent,
) -> InboundMail:
    stored: list[str] = []
    try:
        with transaction.atomic():
            actor, requester, is_contact = _sender(address, display_name)
            incident = None if is_contact else find_thread(actor, message)
            if is_contact:
                incident = _contact_thread(requester, message)
            follow_up = incident is not None and incident.status in CLOSED_STATUSES
            if incident is not None and not follow_up:
                body = mailparse.strip_quoted(content.body) if content.body else ""
                if body:
                    if is_contact:
                        body = f"Email from {address}:\n\n{body}"
                    incident_add_reply(actor=actor, incident_id=incident.pk, body=body, public=True)
                outcome, reason = MailOutcome.REPLIED, f"Reply to {incident.number}."
            else:
                description = content.body
                if follow_up:
                    description = (
                        f"Follow-up to {incident.number}.\n\n{mailparse.strip_quoted(description)}"
                    )
                incident = incident_register(
                    actor=actor,
                    requester=requester,
                    title=_title(subject, content.body, address),
                    description=description,
                    channel=Channel.EMAIL,
                    source_message_id=message_id,
                )
                outcome = MailOutcome.CREATED
                reason = (
                    f"Follow-up to a closed request; new {incident.number}." if follow_up else ""
                )
            _store_files(actor=actor, incident=incident, content=content, stored=stored)
            if content.left_out:
                reason = f"{reason} Not kept: {', '.join(content.left_out)}.".strip()
            log = _log(
                message_id=message_id,
                sender=address,
                subject=subject,
                outcome=outcome,
                reason=reason,
                incident=incident,
            )
    except _Outcome as result:
        _delete_files(stored)
        return _finish(message_id, address, subject, result)
    except IntegrityError:
        _delete_files(stored)
        if _already_processed(message_id):  # processed at the same moment by another run
            return _finish(
                message_id,
                address,
                subject,
                _Outcome(MailOutcome.IGNORED_DUPLICATE, f"{message_id} was processed before."),
            )
        raise
    except (ValidationError, PermissionDenied, Http404, DomainError) as exc:
        _delete_files(stored)
        return _finish(message_id, address, subject, _reject(_error_text(exc)))
    except BaseException:
        _delete_files(stored)
        raise
    logger.info("Inbound mail %s from %s: %s %s", message_id, address, outcome, incident.number)
    return log


def _contact_thread(contact: Person, message: Message) -> IncidentRequest | None:
    """For a contact without login: only their own requests, by reference or number."""
    return _thread_in(IncidentRequest.objects.filter(requester=contact), message)
