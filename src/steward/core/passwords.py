"""Password rules beyond Django's validators (OWASP ASVS 5.0 V6.2.11): no password built
on words an attacker would try first against this installation."""

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

# Always refused as the core of a password; installations add their own names
# (organisation, product, department codenames) through STEWARD_PASSWORD_CONTEXT_WORDS.
BUILT_IN_WORDS = ("steward", "servicedesk", "helpdesk", "itsm", "password", "welcome")
_NOISE = re.compile(r"[^a-z]")


def context_words() -> list[str]:
    """The words refused in passwords, lower case, longest first."""
    extra = getattr(settings, "STEWARD_PASSWORD_CONTEXT_WORDS", [])
    words = {w.strip().lower() for w in (*BUILT_IN_WORDS, *extra) if len(w.strip()) >= 4}
    return sorted(words, key=len, reverse=True)


class ContextWordsValidator:
    """Refuse a password that is a context word plus a little decoration ("Steward2026!").

    A long passphrase that merely *contains* one of the words is allowed: what is refused
    is a password whose letters are mostly that word.
    """

    def validate(self, password: str, user: Any = None) -> None:
        letters = _NOISE.sub("", password.lower())
        for word in context_words():
            if word in letters and len(letters) - len(word) < 6:
                raise ValidationError(
                    "This password is too easy to guess here: it is built on “%(word)s”.",
                    code="password_context_word",
                    params={"word": word},
                )

    def get_help_text(self) -> str:
        return "Your password cannot be built on this product's or your organisation's name."
