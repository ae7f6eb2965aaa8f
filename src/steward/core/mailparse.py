"""Reading an inbound email (RFC 5322) for any channel that takes mail: headers, the
sender, the messages it answers, whether a machine or our own mail wrote it (loops,
auto-replies, bounces), the body as text (HTML sanitised with nh3), the new part of a
reply, and the files it carries. No database access and no decisions about records: the
caller (``incidents.services.mail``) decides what the message means."""

import html
import io
import re
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser
from typing import Any

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError

from steward.core import attachments as core_attachments
from steward.core import journal
from steward.core.notify import LOOP_HEADER

MESSAGE_IDS = re.compile(r"<[^<>\s]+>")
REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|sv|vs|antw)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
AUTO_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response)|autoreply|"
    r"abwesenheitsnotiz|r[ée]ponse automatique|absence|vacation|on leave|"
    r"undeliverable|undelivered mail|delivery status notification|"
    r"mail delivery (failed|failure|subsystem)|returned mail)\b",
    re.IGNORECASE,
)
AUTO_PRECEDENCE = {"bulk", "junk", "auto_reply", "auto-reply"}
BODY_LIMIT = 100_000
MAX_ATTACHMENTS = 20
MESSAGE_ID_MAX = 250  # as long as Steward stores them (InboundMail, IncidentRequest)


class Unreadable(Exception):
    """The message cannot be used: its body cannot be decoded, or it says nothing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class MailFile:
    name: str
    content: bytes


@dataclass
class MailContent:
    """What the message says, read once and checked before anything is written."""

    body: str
    files: list[MailFile] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


def parse(raw: bytes) -> EmailMessage:
    """The message as ``email.message.EmailMessage`` (policy=default)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    return BytesParser(policy=policy.default).parsebytes(raw)


def header(message: Message, name: str) -> str:
    """A header as one line of text; "" when missing or unreadable."""
    try:
        value = message.get(name)
    except Exception:  # a header the parser cannot make sense of counts as missing
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def all_headers(message: Message, name: str) -> list[str]:
    try:
        return [" ".join(str(v).split()) for v in message.get_all(name) or []]
    except Exception:
        return []


def message_id_of(message: Message, *, max_length: int = MESSAGE_ID_MAX) -> str:
    found = MESSAGE_IDS.search(header(message, "Message-ID"))
    return found.group(0)[:max_length] if found else ""


def sender_of(message: Message) -> tuple[str, str]:
    """(address lower-cased, display name) of the From header; ("", "") when unusable."""
    try:
        header = message.get("From")
        addresses = getattr(header, "addresses", None) if header is not None else None
    except Exception:
        return "", ""
    if not addresses:
        return "", ""
    first: Address = addresses[0]
    address = (first.addr_spec or "").strip().lower()
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        return "", ""
    return address, first.display_name or ""


def own_addresses() -> set[str]:
    own = set()
    for value in (settings.DEFAULT_FROM_EMAIL, getattr(settings, "SERVER_EMAIL", "")):
        address = parseaddr(value or "")[1].strip().lower()
        if address:
            own.add(address)
    return own


def references_of(message: Message, *, max_length: int = MESSAGE_ID_MAX) -> list[str]:
    """Message-IDs this message answers, nearest first (In-Reply-To, then References)."""
    ids = MESSAGE_IDS.findall(header(message, "In-Reply-To"))
    ids += reversed(MESSAGE_IDS.findall(header(message, "References")))
    return list(dict.fromkeys(i[:max_length] for i in ids))


def loop_reason(message: Message, sender: str, *, max_received: int = 30) -> str:
    """Why this message is one of our own coming back, or "": sent from our address,
    marked with our loop header, or passed more than ``max_received`` mail servers."""
    own = own_addresses()
    if sender in own:
        return f"Sent from Steward's own address {sender}."
    if message.get(LOOP_HEADER) is not None:
        return f"Carries the {LOOP_HEADER} header of Steward's own mail."
    for value in all_headers(message, "X-Loop"):
        named = {a.lower() for _, a in getaddresses([value]) if a}
        if named & own:
            return f"X-Loop names Steward's address ({value})."
    hops = len(message.get_all("Received") or [])
    if hops > max_received:
        return f"Passed {hops} mail servers (more than {max_received}): probably a loop."
    return ""


def auto_reply_reason(message: Message) -> str:
    """Why this message was written by a machine rather than a person, or ""."""
    auto = header(message, "Auto-Submitted").lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto}."
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply"):
        if message.get(name) is not None:
            return f"Has the {name} header."
    precedence = header(message, "Precedence").lower()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}."
    if message.get_content_type() == "multipart/report":
        return "A delivery or read report."
    if message.get("Return-Path") is not None and header(message, "Return-Path") in ("<>", ""):
        return "Sent with an empty Return-Path (a bounce)."
    subject = header(message, "Subject")
    if AUTO_SUBJECT.match(REPLY_PREFIX.sub("", subject)):
        return f"The subject looks automatic ({subject[:80]})."
    return ""


class _TextFromHtml(HTMLParser):
    PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul",
                  "ol", "hr", "section", "article", "header", "footer"}  # fmt: skip
    LINES = {"div", "br", "tr", "li"}
    SKIP = {"script", "style", "head", "title", "template", "noscript"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def _break(self, tag: str) -> None:
        if tag in self.PARAGRAPHS:
            self.parts.append("\n\n")
        elif tag in self.LINES:
            self.parts.append("\n")

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.SKIP:
            self.skipping += 1
            return
        self._break(tag)
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag != "li":
            self._break(tag)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Sanitise HTML mail (nh3 drops scripts, styles and handlers) and keep its text."""
    keep = journal.ALLOWED_TAGS | {"div", "span", "h1", "h2", "h5", "h6", "hr"}
    clean = nh3.clean(markup, tags=keep, attributes={})
    parser = _TextFromHtml()
    parser.feed(clean)
    parser.close()
    text = html.unescape("".join(parser.parts)).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


QUOTE_START = re.compile(
    r"^(on .{3,200} wrote:|am .{3,200} schrieb .{1,200}:|-{2,} ?original message ?-{2,}|"
    r"_{10,}|from: .+@.+)\s*$",
    re.IGNORECASE,
)


def strip_quoted(text: str) -> str:
    """The new part of a reply: cut at "On ... wrote:" / "Original Message" / a quoted block."""
    kept: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if QUOTE_START.match(stripped) or stripped == "--":
            break
        if stripped.startswith(">"):
            continue
        kept.append(line)
    new = "\n".join(kept).strip()
    return new or text.strip()


def _decode_text(part: Message) -> str:
    try:
        text = part.get_content()
    except LookupError:
        raise Unreadable(
            f"The body uses an unknown character set ({part.get_content_charset()})."
        ) from None
    except (UnicodeError, ValueError, AssertionError, KeyError) as exc:
        raise Unreadable(f"The body cannot be decoded ({exc.__class__.__name__}).") from None
    if not isinstance(text, str):
        raise Unreadable("The body is not text.")
    return text.replace("\r\n", "\n").replace("\x00", "")


def _file_name(part: Message, index: int) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    if not name and part.get_content_type() == "message/rfc822":
        name = f"message-{index}.eml"
    return core_attachments.clean_name(name)


def _file_bytes(part: Message) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        return inner.as_bytes(policy=policy.default) if isinstance(inner, Message) else b""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _parts(message: Message) -> list[Message]:
    """Leaf parts, not descending into attached messages (they are kept whole)."""
    if message.get_content_type() == "message/rfc822":
        return [message]
    if message.is_multipart():
        found: list[Message] = []
        for sub in message.get_payload() or []:
            if isinstance(sub, Message):
                found.extend(_parts(sub))
        return found
    return [message]


def _check_file(name: str, content: bytes) -> str:
    """Why this file cannot be kept, or ""."""
    if not content:
        return "empty"
    if len(content) > settings.ATTACHMENT_MAX_BYTES:
        return f"larger than {settings.ATTACHMENT_MAX_BYTES} bytes"
    try:
        core_attachments.content_type_for(name, content[: core_attachments.SNIFF_BYTES])
        core_attachments.check_archive(name, io.BytesIO(content), len(content))
    except ValidationError as exc:
        return "; ".join(exc.messages)
    return ""


def content_of(message: EmailMessage) -> MailContent:
    """Body text and attachments; ``_Outcome`` (rejected) when unusable."""
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        text = _decode_text(body_part)
        body = html_to_text(text) if body_part.get_content_type() == "text/html" else text
    content = MailContent(body=body.strip()[:BODY_LIMIT])
    index = 0
    for part in _parts(message):
        if part is body_part:
            continue
        is_file = part.get_content_disposition() == "attachment" or bool(part.get_filename())
        if not is_file and part.get_content_type() != "message/rfc822":
            continue  # another rendering of the body (the HTML of multipart/alternative)
        index += 1
        name = _file_name(part, index)
        try:
            data = _file_bytes(part)
        except Exception:  # a broken attachment encoding
            data = b""
        problem = _check_file(name, data)
        if problem:
            content.left_out.append(f"{name} ({problem})")
        elif len(content.files) >= MAX_ATTACHMENTS:
            content.left_out.append(f"{name} (more than {MAX_ATTACHMENTS} files)")
        else:
            content.files.append(MailFile(name=name, content=data))
    if not content.body and not content.files:
        if content.left_out:
            raise Unreadable(f"No text, and no file could be kept: {', '.join(content.left_out)}.")
        raise Unreadable("The message has no text and no attachments.")
    return content
