"""How guessable a new password is, for the meter under the password field while typing.

The same rules as creating a vault (:mod:`chat_desktop.storage.password_policy`): a hard
minimum length, and zxcvbn's score (0-4) with its feedback. The GUI shows the score as a bar
and one line of advice; it never decides by itself what is accepted.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from chat_desktop.storage.password_policy import (
    MIN_PASSWORD_CHARACTERS,
    MIN_ZXCVBN_SCORE,
    password_strength,
)

#: The highest zxcvbn score.
MAX_SCORE = 4

__all__ = ["MAX_SCORE", "MIN_PASSWORD_CHARACTERS", "PasswordRating", "rate_password"]


@dataclass(frozen=True, slots=True)
class PasswordRating:
    """What the meter shows for the password typed so far.

    Attributes:
        score: zxcvbn's score, 0 (guessed at once) to 4 (very unlikely to be guessed).
        too_short: Fewer than :data:`MIN_PASSWORD_CHARACTERS` characters (always refused).
        strong_enough: Accepted without the "use it anyway" confirmation.
        feedback: zxcvbn's warning then suggestions (fixed English sentences; the GUI
            translates the ones it knows), empty when it has none.
    """

    score: int
    too_short: bool
    strong_enough: bool
    feedback: tuple[str, ...]


def rate_password(password: str, user_inputs: Sequence[str] = ()) -> PasswordRating:
    """Rates ``password`` as creating the vault would judge it (a few ms; empty: score 0).

    Args:
        password: The password typed so far.
        user_inputs: Words a guesser would try first (the username, the relay host).
    """
    score, feedback = password_strength(password, user_inputs)
    too_short = len(unicodedata.normalize("NFKC", password)) < MIN_PASSWORD_CHARACTERS
    return PasswordRating(
        score=score,
        too_short=too_short,
        strong_enough=not too_short and score >= MIN_ZXCVBN_SCORE,
        feedback=tuple(feedback),
    )
