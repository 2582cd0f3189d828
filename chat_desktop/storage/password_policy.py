"""Rules for a new vault password: a hard minimum length, and a warning for guessable ones.

Guessability is estimated with zxcvbn (dictionaries of common passwords, names and words,
keyboard patterns, sequences, repeats, dates, l33t substitutions), which also says why a
password is weak and how to make it stronger.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from chat_desktop.storage.errors import PasswordTooShort, WeakPassword

MIN_PASSWORD_CHARACTERS = 10
#: zxcvbn scores 0-4; 3 means "safely unguessable" (about 10^8 guesses or more).
MIN_ZXCVBN_SCORE = 3
#: zxcvbn refuses longer inputs (its matching is quadratic); the first 72 characters decide.
_ZXCVBN_MAX_CHARACTERS = 72
_GENERIC_REASON = "it would be found quickly by a password-guessing program"


def password_strength(password: str, user_inputs: Sequence[str] = ()) -> tuple[int, list[str]]:
    """zxcvbn's score (0-4) and feedback for a candidate password, for a meter while typing.

    Args:
        password: The candidate password.
        user_inputs: Words a guesser would try first (the username...).

    Returns:
        The score (:data:`MIN_ZXCVBN_SCORE` and up is strong enough) and zxcvbn's warning
        then its suggestions (fixed English sentences, never the password itself).
    """
    text = unicodedata.normalize("NFKC", password)[:_ZXCVBN_MAX_CHARACTERS]
    if not text:
        return 0, []
    from zxcvbn import zxcvbn  # type: ignore[import-untyped]  # (~0.06 s: only when needed)

    result: dict[str, Any] = zxcvbn(text, user_inputs=[str(word) for word in user_inputs])
    feedback = result.get("feedback") or {}
    reasons = [str(feedback.get("warning") or "")]
    reasons += [str(suggestion) for suggestion in feedback.get("suggestions") or ()]
    return int(result["score"]), [reason for reason in reasons if reason]


def password_weaknesses(password: str, user_inputs: Sequence[str] = ()) -> list[str]:
    """Why a password is easy to guess, in zxcvbn's words (empty when it is strong enough).

    Args:
        password: The candidate password.
        user_inputs: Words a guesser would try first (the username...): a password built on
            them counts as weak.

    Returns:
        zxcvbn's warning then its suggestions (fixed sentences, never the password itself).
    """
    score, reasons = password_strength(password, user_inputs)
    if score >= MIN_ZXCVBN_SCORE:
        return []
    return reasons or [_GENERIC_REASON]


def check_new_password(password: str, *, allow_weak: bool, user_inputs: Sequence[str] = ()) -> None:
    """Refuse a short password always, and a weak one unless the user confirmed it.

    Args:
        password: The new password.
        allow_weak: The user saw the warning and insists.
        user_inputs: Words a guesser would try first (the username...).

    Raises:
        PasswordTooShort: Fewer than :data:`MIN_PASSWORD_CHARACTERS` characters.
        WeakPassword: A guessable password while ``allow_weak`` is False; ``reasons`` holds
            zxcvbn's feedback to show the user.
    """
    if len(unicodedata.normalize("NFKC", password)) < MIN_PASSWORD_CHARACTERS:
        raise PasswordTooShort(MIN_PASSWORD_CHARACTERS)
    if allow_weak:
        return
    reasons = password_weaknesses(password, user_inputs)
    if reasons:
        raise WeakPassword(reasons)
