"""The strength meter under a new password: a five-step bar and one line of advice.

Updated on every keystroke from :func:`chat_desktop.services.password_strength.rate_password`
(zxcvbn's score and its first warning or suggestion). zxcvbn speaks English: the sentences
it is known to say are translated here; any other gets a translated hint for its score, so
the user never reads a raw, untranslated or joined-up list of reasons. The meter's height
never changes (the line is reserved even while empty), so the form does not jump as one types.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QProgressBar, QSizePolicy, QVBoxLayout, QWidget

from chat_desktop.services.password_strength import (
    MAX_SCORE,
    MIN_PASSWORD_CHARACTERS,
    rate_password,
)

_CONTEXT = "PasswordMeter"

#: zxcvbn's English feedback, marked for translation (``translate("PasswordMeter", …)``).
_KNOWN_FEEDBACK: dict[str, str] = {
    str(text): str(text)
    for text in (
        QT_TRANSLATE_NOOP("PasswordMeter", "Straight rows of keys are easy to guess."),
        QT_TRANSLATE_NOOP("PasswordMeter", "Short keyboard patterns are easy to guess."),
        QT_TRANSLATE_NOOP("PasswordMeter", 'Repeats like "aaa" are easy to guess.'),
        QT_TRANSLATE_NOOP(
            "PasswordMeter",
            'Repeats like "abcabcabc" are only slightly harder to guess than "abc".',
        ),
        QT_TRANSLATE_NOOP("PasswordMeter", 'Sequences like "abc" or "6543" are easy to guess.'),
        QT_TRANSLATE_NOOP("PasswordMeter", "Recent years are easy to guess."),
        QT_TRANSLATE_NOOP("PasswordMeter", "Dates are often easy to guess."),
        QT_TRANSLATE_NOOP("PasswordMeter", "This is a top-10 common password."),
        QT_TRANSLATE_NOOP("PasswordMeter", "This is a top-100 common password."),
        QT_TRANSLATE_NOOP("PasswordMeter", "This is a very common password."),
        QT_TRANSLATE_NOOP("PasswordMeter", "This is similar to a commonly used password."),
        QT_TRANSLATE_NOOP("PasswordMeter", "A word by itself is easy to guess."),
        QT_TRANSLATE_NOOP("PasswordMeter", "Names and surnames by themselves are easy to guess."),
        QT_TRANSLATE_NOOP("PasswordMeter", "Common names and surnames are easy to guess."),
        QT_TRANSLATE_NOOP("PasswordMeter", "Use a few words, avoid common phrases."),
        QT_TRANSLATE_NOOP("PasswordMeter", "Add another word or two. Uncommon words are better."),
        QT_TRANSLATE_NOOP("PasswordMeter", "Use a longer keyboard pattern with more turns."),
        QT_TRANSLATE_NOOP("PasswordMeter", "Avoid repeated words and characters."),
        QT_TRANSLATE_NOOP("PasswordMeter", "Avoid sequences."),
        QT_TRANSLATE_NOOP("PasswordMeter", "Avoid recent years."),
        QT_TRANSLATE_NOOP("PasswordMeter", "Avoid years that are associated with you."),
        QT_TRANSLATE_NOOP("PasswordMeter", "Avoid dates and years that are associated with you."),
        QT_TRANSLATE_NOOP("PasswordMeter", "Capitalization doesn't help very much."),
        QT_TRANSLATE_NOOP(
            "PasswordMeter", "All-uppercase is almost as easy to guess as all-lowercase."
        ),
        QT_TRANSLATE_NOOP("PasswordMeter", "Reversed words aren't much harder to guess."),
        QT_TRANSLATE_NOOP(
            "PasswordMeter",
            "Predictable substitutions like '@' instead of 'a' don't help very much.",
        ),
    )
}

#: What each score is called, and the hint when zxcvbn says nothing this app knows.
_SCORE_WORDS = (
    QT_TRANSLATE_NOOP("PasswordMeter", "Very weak"),
    QT_TRANSLATE_NOOP("PasswordMeter", "Weak"),
    QT_TRANSLATE_NOOP("PasswordMeter", "Fair"),
    QT_TRANSLATE_NOOP("PasswordMeter", "Strong"),
    QT_TRANSLATE_NOOP("PasswordMeter", "Very strong"),
)
_SCORE_HINTS = (
    QT_TRANSLATE_NOOP("PasswordMeter", "A program would guess it at once."),
    QT_TRANSLATE_NOOP("PasswordMeter", "A program would guess it quickly. Add a few words."),
    QT_TRANSLATE_NOOP("PasswordMeter", "Still guessable. Add another uncommon word."),
    QT_TRANSLATE_NOOP("PasswordMeter", "Hard to guess."),
    QT_TRANSLATE_NOOP("PasswordMeter", "Very hard to guess."),
)


def _tr(text: object) -> str:
    return QCoreApplication.translate(_CONTEXT, str(text))


def advice(score: int, feedback: Sequence[str]) -> str:
    """One translated line of advice: zxcvbn's first known sentence, else the score's hint."""
    for sentence in feedback:
        known = _KNOWN_FEEDBACK.get(sentence)
        if known is not None:
            return _tr(known)
    return _tr(_SCORE_HINTS[max(0, min(score, MAX_SCORE))])


class PasswordMeter(QWidget):
    """A bar of zxcvbn's score (0-4) and one line saying how strong it is and why.

    Call :meth:`rate` with the password on every keystroke; it keeps no copy of it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        """Builds the empty meter (its full height reserved)."""
        super().__init__(parent)
        self.setObjectName("passwordMeter")
        self.bar = QProgressBar()
        self.bar.setObjectName("passwordMeterBar")
        self.bar.setRange(0, MAX_SCORE)
        self.bar.setValue(0)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(6)
        self.label = QLabel()
        self.label.setObjectName("passwordMeterLabel")
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # Two lines reserved: the longest advice fits, and the form never moves.
        self.label.setFixedHeight(QFontMetrics(self.label.font()).lineSpacing() * 2 + 2)
        self.label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.bar.setAccessibleName(self.tr("Password strength"))
        self.label.setAccessibleName(self.tr("Password advice"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        self.score = 0

    def rate(self, password: str, user_inputs: Sequence[str] = ()) -> None:
        """Shows how strong ``password`` is (nothing for an empty one)."""
        if not password:
            self.score = 0
            self.bar.setValue(0)
            self.label.setText("")
            self.bar.setAccessibleDescription("")
            return
        rating = rate_password(password, user_inputs)
        self.score = rating.score
        self.bar.setValue(rating.score)
        words = _tr(_SCORE_WORDS[rating.score])
        if rating.too_short:  # refused whatever its score: say that, and only that
            self.label.setText(
                self.tr("Too short: use at least %1 characters.").replace(
                    "%1", str(MIN_PASSWORD_CHARACTERS)
                )
            )
        else:
            line = advice(rating.score, rating.feedback)
            self.label.setText(self.tr("%1: %2").replace("%1", words).replace("%2", line))
        self.bar.setAccessibleDescription(words)
        self.setProperty("strength", "good" if rating.strong_enough else "weak")
