"""Rules for a new vault password: a hard minimum length and warnings for guessable ones."""

from __future__ import annotations

import unicodedata

from chat_desktop.storage.errors import PasswordTooShort, WeakPassword

MIN_PASSWORD_CHARACTERS = 10
_MIN_DISTINCT_CHARACTERS = 5
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "qwertyuiopasdfghjklzxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
)
_COMMON_WORDS = (
    "password",
    "passwort",
    "motdepasse",
    "letmein",
    "welcome",
    "iloveyou",
    "admin",
    "dragon",
    "monkey",
    "football",
    "baseball",
    "sunshine",
    "princess",
    "trustno1",
    "chatdesktop",
)


def password_weaknesses(password: str) -> list[str]:
    """Reasons a password is easy to guess (empty when none is found).

    A heuristic, not an estimate of entropy: it catches the patterns attackers try first.
    """
    text = unicodedata.normalize("NFKC", password).casefold()
    reasons: list[str] = []
    if len(set(text)) < _MIN_DISTINCT_CHARACTERS:
        reasons.append("too few different characters")
    if text.isdigit():
        reasons.append("only digits")
    if any(word in text for word in _COMMON_WORDS):
        reasons.append("contains a common password")
    stripped = "".join(ch for ch in text if ch.isalnum())
    if len(stripped) >= 6 and any(
        stripped in sequence or stripped in sequence[::-1] for sequence in _SEQUENCES
    ):
        reasons.append("a keyboard or alphabet sequence")
    return reasons


def check_new_password(password: str, *, allow_weak: bool) -> None:
    """Refuse a short password always, and a weak one unless the user confirmed it.

    Raises:
        PasswordTooShort: Fewer than :data:`MIN_PASSWORD_CHARACTERS` characters.
        WeakPassword: A guessable password while ``allow_weak`` is False.
    """
    if len(unicodedata.normalize("NFKC", password)) < MIN_PASSWORD_CHARACTERS:
        raise PasswordTooShort(MIN_PASSWORD_CHARACTERS)
    reasons = password_weaknesses(password)
    if reasons and not allow_weak:
        raise WeakPassword(reasons)
