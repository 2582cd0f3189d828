"""The plaintext inside a ratchet message (docs/protocol.md §4).

Content is a versioned, typed msgpack structure (a msgspec tagged union on ``kind``), padded
with ``0x80 0x00…`` to a multiple of 160 bytes before encryption so that message lengths on the
wire say little about what was written. Receipts and typing travel here, end-to-end encrypted,
so the relay never learns who reads or types.

Every field a peer supplies is bounded in the schema (``msgspec.Meta``): a number out of its
range, an over-long string or list, a key of the wrong length or a malformed id is refused by
:func:`decode_content` with :class:`ContentError`, so no hostile content can reach the store or
the GUI with, say, a timer of 2**62 seconds or a ``sent_at`` past the year 9999
(:data:`~chat_desktop.protocol.schemas.MAX_TIMESTAMP_MS`).

The bounds are checked when decoding only; a sender that builds content out of range finds
out through its peer refusing it, so senders keep their own inputs within the same limits
(the constants below).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Final, Literal

import msgspec

from chat_desktop.protocol.profiles import MAX_PROFILE_VERSION, PROFILE_KEY_SIZE
from chat_desktop.protocol.schemas import (
    MAX_BLOB_SIZE,
    MAX_PAYLOADS,
    MAX_TIMESTAMP_MS,
    MESSAGE_ID_PATTERN,
    USERNAME_PATTERN,
)

CONTENT_VERSION = 1
PADDING_BLOCK = 160
#: Longest text (and caption), in characters (code points).
MAX_TEXT_LENGTH = 64 * 1024
#: Longest disappearing timer, in seconds: one year (the app offers up to one day).
MAX_TIMER_SECONDS: Final = 365 * 24 * 3600
#: Largest attachment plaintext: the relay's blob maximum (docs/protocol.md §5, 100 MiB).
MAX_ATTACHMENT_SIZE: Final = MAX_BLOB_SIZE
#: Largest image side in pixels (the sender scales images to at most 4096 px; JPEG's own
#: limit is 65 535).
MAX_IMAGE_SIDE: Final = 65_535
#: Largest inline thumbnail (docs/protocol.md §5: "≤ 2 KiB JPEG thumbnail").
MAX_THUMBNAIL_SIZE: Final = 2048
#: Most message ids in one receipt or delete; senders split longer lists.
MAX_IDS_PER_CONTENT: Final = 2000
#: Longest file name in characters (the longest a common file system allows).
MAX_FILE_NAME_LENGTH: Final = 255
#: Longest MIME type (RFC 6838: 127 for the type and 127 for the subtype, plus the slash).
MAX_MIME_TYPE_LENGTH: Final = 255
#: Longest display name, in characters.
MAX_DISPLAY_NAME_LENGTH: Final = 128
#: Longest quoted excerpt in a reply, in characters (senders clip the quoted text to it).
MAX_QUOTE_EXCERPT: Final = 200
#: Longest reaction emoji in UTF-8 bytes (a family or flag sequence fits; a text does not).
MAX_EMOJI_BYTES: Final = 32
#: Most code points in one reaction emoji (ZWJ sequences and skin tones included).
MAX_EMOJI_CODE_POINTS: Final = 8
#: Attachment key: AES-256 key ‖ HMAC-SHA256 key (docs/protocol.md §5).
ATTACHMENT_KEY_SIZE: Final = 64
#: Attachment digest: SHA-256 of the blob.
ATTACHMENT_DIGEST_SIZE: Final = 32
#: Largest content map inside a ``sent`` transcript (a full text is about 65 KB encoded).
MAX_TRANSCRIPT_SIZE: Final = 70_000
#: An identity key inside a ``verified`` sync content.
IDENTITY_KEY_SIZE: Final = 32
#: A group id: 32 random bytes made by the group's creator.
GROUP_ID_SIZE: Final = 32
#: Most members of a group (docs/protocol.md §4, ``group_update``).
MAX_GROUP_MEMBERS: Final = 256
#: Longest group title, in characters (code points).
MAX_GROUP_TITLE_LENGTH: Final = 128
#: Highest group revision: 2**53, so that it is exact wherever a number is a double.
MAX_GROUP_REVISION: Final = 2**53
#: A sender-key distribution (docs/protocol.md §11.4): always exactly 73 bytes.
SENDER_KEY_DISTRIBUTION_SIZE: Final = 73
#: Longest voice note, in milliseconds: 15 minutes (docs/protocol.md §5, voice notes).
MAX_VOICE_DURATION_MS: Final = 15 * 60 * 1000
#: Most waveform levels of a voice note (each byte one level, 0 silent … 255 loudest).
MAX_WAVEFORM_LENGTH: Final = 100
#: Largest voice note file: 15 minutes of Opus at up to 64 kbit/s with its container.
MAX_VOICE_NOTE_SIZE: Final = 8 * 1024 * 1024
#: Longest SDP in a call offer or answer, in bytes (ASCII; docs/protocol.md §14).
MAX_CALL_SDP_LENGTH: Final = 16 * 1024
#: Most ICE candidates in one ``call_ice``.
MAX_CALL_CANDIDATES: Final = 32
#: Longest ICE candidate line, and longest media id, in characters.
MAX_CALL_CANDIDATE_LENGTH: Final = 512
MAX_CALL_MID_LENGTH: Final = 32
#: Most devices a call content may be addressed to (the relay's devices per send).
MAX_CALL_DEVICES: Final = MAX_PAYLOADS
#: The containers a voice note may come in (its Opus stream inside).
VOICE_MIME_TYPES: Final = ("audio/ogg", "audio/webm")

# ``\A`` and ``\Z`` because msgspec searches patterns (``re.search``): ``^…$`` would also
# accept a value followed by a newline.
#: A relay blob id, or empty while the sender's upload is still pending (outbox only).
_BLOB_ID_PATTERN: Final = r"\A(?:[0-9a-f]{32})?\Z"
#: A relay blob id of a finished upload (a group avatar is sent only once it is uploaded).
_UPLOADED_BLOB_ID_PATTERN: Final = r"\A[0-9a-f]{32}\Z"
#: Printable ASCII only.
_MIME_TYPE_PATTERN: Final = r"\A[ -~]*\Z"
#: What a one-line name (a file name, a group title) may not hold (docs/protocol.md §4):
#: C0 controls, DEL and C1 controls; the line and paragraph separators (a name is one line);
#: and every bidirectional control (Unicode's Bidi_Control: ALM U+061C, LRM U+200E, RLM
#: U+200F, the embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069), which
#: draw ``invoice_\u202efdp.exe`` as ``invoice_exe.pdf``.
_NAME_CONTROLS_CLASS: Final = r"\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
#: A file name also may not hold the path separator: it is a name, never a path.
_FILE_NAME_FORBIDDEN_CLASS: Final = "/" + _NAME_CONTROLS_CLASS
_FILE_NAME_PATTERN: Final = rf"\A[^{_FILE_NAME_FORBIDDEN_CLASS}]*\Z"
_FILE_NAME_FORBIDDEN: Final = re.compile(f"[{_FILE_NAME_FORBIDDEN_CLASS}]")
#: A group title: the one-line name rule of file names; a ``/`` is allowed.
_GROUP_TITLE_PATTERN: Final = rf"\A[^{_NAME_CONTROLS_CLASS}]*\Z"
#: Every code point :data:`_FILE_NAME_PATTERN` refuses, for checks outside the schema.
FILE_NAME_FORBIDDEN_CHARACTERS: Final = frozenset(
    chr(code) for code in range(0x2070) if _FILE_NAME_FORBIDDEN.match(chr(code))
)
#: No control character (Unicode category Cc: C0, DEL, C1) and no line or paragraph
#: separator in a reaction: it is drawn inline, on one line.
_EMOJI_PATTERN: Final = r"\A[^\x00-\x1f\x7f-\x9f\u2028\u2029]+\Z"

#: A call id: 32 lowercase hex digits (16 random bytes) made by the caller.
CALL_ID_PATTERN: Final = r"\A[0-9a-f]{32}\Z"
#: SDP is printable ASCII with CR LF line ends.
_SDP_PATTERN: Final = r"\A[ -~\r\n]*\Z"
#: A candidate line or media id: printable ASCII, one line.
_CALL_LINE_PATTERN: Final = r"\A[ -~]*\Z"

MessageId = Annotated[str, msgspec.Meta(pattern=MESSAGE_ID_PATTERN)]
TimestampMs = Annotated[int, msgspec.Meta(ge=0, le=MAX_TIMESTAMP_MS)]
TimerSeconds = Annotated[int, msgspec.Meta(ge=0, le=MAX_TIMER_SECONDS)]
MessageIds = Annotated[list[MessageId], msgspec.Meta(max_length=MAX_IDS_PER_CONTENT)]
ImageSide = Annotated[int, msgspec.Meta(ge=1, le=MAX_IMAGE_SIDE)]
TextBody = Annotated[str, msgspec.Meta(max_length=MAX_TEXT_LENGTH)]
Username = Annotated[str, msgspec.Meta(pattern=USERNAME_PATTERN)]
Emoji = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=MAX_EMOJI_CODE_POINTS, pattern=_EMOJI_PATTERN),
]
GroupId = Annotated[bytes, msgspec.Meta(min_length=GROUP_ID_SIZE, max_length=GROUP_ID_SIZE)]
GroupRevision = Annotated[int, msgspec.Meta(ge=1, le=MAX_GROUP_REVISION)]
GroupTitle = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=MAX_GROUP_TITLE_LENGTH, pattern=_GROUP_TITLE_PATTERN),
]
GroupMembers = Annotated[list[Username], msgspec.Meta(max_length=MAX_GROUP_MEMBERS)]
AttachmentKey = Annotated[
    bytes, msgspec.Meta(min_length=ATTACHMENT_KEY_SIZE, max_length=ATTACHMENT_KEY_SIZE)
]
AttachmentDigest = Annotated[
    bytes, msgspec.Meta(min_length=ATTACHMENT_DIGEST_SIZE, max_length=ATTACHMENT_DIGEST_SIZE)
]
AttachmentSize = Annotated[int, msgspec.Meta(ge=0, le=MAX_ATTACHMENT_SIZE)]


class ContentError(ValueError):
    """Decrypted bytes are not valid content (bad padding, unknown kind, wrong types).

    The message names what is wrong, never the content itself.
    """


def is_valid_emoji(emoji: str) -> bool:
    """Whether ``emoji`` fits the reaction bounds (docs/protocol.md §4).

    1 … :data:`MAX_EMOJI_BYTES` UTF-8 bytes, at most :data:`MAX_EMOJI_CODE_POINTS` code
    points, no control character or line separator. Senders check with this before sending;
    receivers get the same checks from the schema.
    """
    return (
        1 <= len(emoji) <= MAX_EMOJI_CODE_POINTS
        and len(emoji.encode("utf-8", "surrogatepass")) <= MAX_EMOJI_BYTES
        and re.search(_EMOJI_PATTERN, emoji) is not None
        and not any(0xD800 <= ord(char) <= 0xDFFF for char in emoji)
    )


def strip_file_name_controls(name: str) -> str:
    """``name`` without the characters the file-name bound refuses (docs/protocol.md §4).

    A sender passes its local file's name through this before sending, so a name the local
    file system allowed (say with a right-to-left override) never makes its peer refuse the
    whole message; what is left is the name as it really reads, extension included.
    """
    return _FILE_NAME_FORBIDDEN.sub("", name)


def is_valid_group_title(title: str) -> bool:
    """Whether ``title`` fits the group title bound (docs/protocol.md §4, ``group_update``).

    1 … :data:`MAX_GROUP_TITLE_LENGTH` characters, none a control character, a line or
    paragraph separator or a bidirectional control. Senders check with this before sending;
    receivers get the same checks from the schema.
    """
    return (
        1 <= len(title) <= MAX_GROUP_TITLE_LENGTH
        and re.search(_GROUP_TITLE_PATTERN, title) is not None
    )


def group_membership_problem(members: Sequence[str], admins: Sequence[str]) -> str | None:
    """What is wrong with a group's member and admin lists, or None when nothing is.

    Checks what the schema's per-field bounds can't: no member or admin listed twice, and
    every admin a member. The answer names the rule broken, never a username.
    """
    if len(set(members)) != len(members):
        return "a group member is listed twice"
    if len(set(admins)) != len(admins):
        return "a group admin is listed twice"
    if not set(admins) <= set(members):
        return "a group admin is not a member"
    return None


class Quote(msgspec.Struct, frozen=True, kw_only=True):
    """What a reply quotes: the message it answers, as the sender saw it.

    The receiver trusts none of it beyond display: it looks ``target_id`` up in the same
    conversation and shows its own copy when it has one; the ``author`` and ``excerpt`` given
    here are shown (marked as not found) only when it has none.
    """

    target_id: MessageId
    author: Username
    excerpt: Annotated[str, msgspec.Meta(max_length=MAX_QUOTE_EXCERPT)]
    kind: Literal["text", "attachment"]


class _Content(msgspec.Struct, frozen=True, tag_field="kind", kw_only=True):
    """Fields every content carries."""

    v: int = CONTENT_VERSION
    id: MessageId
    sent_at: TimestampMs
    expire_timer: TimerSeconds = 0


class TextContent(_Content, frozen=True, tag="text"):
    """A text message.

    ``preview`` is the first link's preview (docs/protocol.md §4), written only when there
    is one and kept as raw msgpack: the receiver checks it apart
    (:func:`chat_desktop.protocol.link_preview.decode_preview`) and drops a bad one, keeping
    the text.
    """

    text: TextBody
    quote: Quote | None = None
    preview: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET


class VoiceNote(msgspec.Struct, frozen=True, kw_only=True):
    """What makes an attachment a voice note: its length and a waveform to draw.

    Both are the sender's claims: the receiver decodes the file and refuses it when the
    decoded length is not ``duration_ms`` (within a tolerance) before showing or playing it.
    """

    duration_ms: Annotated[int, msgspec.Meta(ge=1, le=MAX_VOICE_DURATION_MS)]
    waveform: Annotated[bytes, msgspec.Meta(max_length=MAX_WAVEFORM_LENGTH)] = b""


def voice_note_problem(size: int, mime_type: str, has_image_fields: bool) -> str | None:
    """What is wrong with an attachment that says it is a voice note, or None.

    A voice note is an Ogg or WebM file (:data:`VOICE_MIME_TYPES`) of at most
    :data:`MAX_VOICE_NOTE_SIZE` bytes, without image fields. The answer names the rule.
    """
    if size > MAX_VOICE_NOTE_SIZE:
        return "a voice note is too large"
    if mime_type not in VOICE_MIME_TYPES:
        return "a voice note is not Ogg or WebM"
    if has_image_fields:
        return "a voice note has image fields"
    return None


class AttachmentContent(_Content, frozen=True, tag="attachment"):
    """A file or image; the blob itself is fetched from the relay by ``blob_id``.

    Width, height and the thumbnail let the receiver lay out the bubble at its final size
    before the download finishes (docs/protocol.md §5).
    """

    blob_id: Annotated[str, msgspec.Meta(pattern=_BLOB_ID_PATTERN)]
    key: AttachmentKey
    digest: AttachmentDigest
    size: AttachmentSize
    mime_type: Annotated[
        str, msgspec.Meta(max_length=MAX_MIME_TYPE_LENGTH, pattern=_MIME_TYPE_PATTERN)
    ]
    file_name: Annotated[
        str, msgspec.Meta(max_length=MAX_FILE_NAME_LENGTH, pattern=_FILE_NAME_PATTERN)
    ]
    caption: TextBody = ""
    width: ImageSide | None = None
    height: ImageSide | None = None
    thumbnail: Annotated[bytes, msgspec.Meta(max_length=MAX_THUMBNAIL_SIZE)] | None = None
    quote: Quote | None = None
    voice: VoiceNote | None = None

    def __post_init__(self) -> None:
        """Bounds the schema can't express: a voice note's size, container, no image."""
        if self.voice is not None:
            image = self.width is not None or self.height is not None or self.thumbnail
            problem = voice_note_problem(self.size, self.mime_type, bool(image))
            if problem is not None:
                raise ValueError(problem)


class ReceiptContent(_Content, frozen=True, tag="receipt"):
    """Delivery or read receipts for the named message ids."""

    receipt: Literal["delivered", "read"]
    message_ids: MessageIds


class TypingContent(_Content, frozen=True, tag="typing"):
    """The sender started or stopped typing."""

    typing: Literal["started", "stopped"]


class TimerContent(_Content, frozen=True, tag="timer"):
    """The conversation's disappearing-message timer changed to ``seconds`` (0 = off)."""

    seconds: TimerSeconds


class DeleteContent(_Content, frozen=True, tag="delete"):
    """The sender deleted these messages for everyone."""

    message_ids: MessageIds


class ReactionContent(_Content, frozen=True, tag="reaction"):
    """The sender's reaction to a message of the conversation (either side's).

    One reaction per person per message: a new one replaces the sender's previous one;
    ``remove`` takes the sender's reaction away (``emoji`` then names the one removed).
    """

    target_id: MessageId
    emoji: Emoji
    remove: bool = False

    def __post_init__(self) -> None:
        """Bounds the schema can't express: the UTF-8 size, no lone surrogates."""
        if not is_valid_emoji(self.emoji):
            raise ValueError("emoji is out of its bounds")


class EditContent(_Content, frozen=True, tag="edit"):
    """The sender replaces the text of one of its own text messages (within 24 hours)."""

    target_id: MessageId
    text: TextBody


class RetryContent(_Content, frozen=True, tag="retry"):
    """The sender could not decrypt these messages of ours and asks us to send them again."""

    message_ids: MessageIds


class ProfileContent(_Content, frozen=True, tag="profile"):
    """The sender's display name and, since profiles (docs/protocol.md §13), its profile key.

    With ``profile_key`` and ``profile_version`` (both or neither) the receiver fetches the
    sender's sealed profile of at least that version from the relay and takes the name and
    avatar from it; ``display_name`` is then only for clients made before profiles.
    """

    display_name: Annotated[str, msgspec.Meta(max_length=MAX_DISPLAY_NAME_LENGTH)]
    profile_key: (
        Annotated[bytes, msgspec.Meta(min_length=PROFILE_KEY_SIZE, max_length=PROFILE_KEY_SIZE)]
        | None
    ) = None
    profile_version: Annotated[int, msgspec.Meta(ge=1, le=MAX_PROFILE_VERSION)] | None = None


class GroupAvatar(msgspec.Struct, frozen=True, kw_only=True):
    """A group's picture: an uploaded attachment blob (docs/protocol.md §5).

    The same pointer an ``attachment`` content carries (blob id, key, digest, size), so
    members fetch and check it as any attachment; the blob is uploaded before the update goes.
    """

    blob_id: Annotated[str, msgspec.Meta(pattern=_UPLOADED_BLOB_ID_PATTERN)]
    key: AttachmentKey
    digest: AttachmentDigest
    size: AttachmentSize


class GroupUpdateContent(_Content, frozen=True, tag="group_update"):
    """A group's whole new state, from a member to every member device (docs/protocol.md §4).

    The relay knows nothing of groups: their state lives only in the members' clients and
    changes through these updates, sent pairwise (also to members being removed). Which
    update a client takes is the convergence rule of docs/protocol.md §4.
    """

    group_id: GroupId
    revision: GroupRevision
    title: GroupTitle
    members: GroupMembers
    admins: GroupMembers
    timer_seconds: TimerSeconds
    avatar: GroupAvatar | None = None

    def __post_init__(self) -> None:
        """Bounds the schema can't express: unique members and admins, admins ⊆ members."""
        problem = group_membership_problem(self.members, self.admins)
        if problem is not None:
            raise ValueError(problem)


class SenderKeyContent(_Content, frozen=True, tag="sender_key"):
    """The sender device's sender key of a group, for one member device (docs/protocol.md §4).

    Sent only pairwise (inside the E2EE session); ``distribution`` is the 73 bytes of
    docs/protocol.md §11.4, checked further when the receiver holds it.
    """

    group_id: GroupId
    distribution: Annotated[
        bytes,
        msgspec.Meta(
            min_length=SENDER_KEY_DISTRIBUTION_SIZE, max_length=SENDER_KEY_DISTRIBUTION_SIZE
        ),
    ]


class GroupReceiptContent(_Content, frozen=True, tag="group_receipt"):
    """Delivery or read receipts for messages of one group, to their sender (docs/protocol.md §4).

    Sent only pairwise, by a member to the member who sent the messages: only the sender
    learns who received and read them.
    """

    group_id: GroupId
    receipt: Literal["delivered", "read"]
    message_ids: MessageIds


class SentTranscriptContent(_Content, frozen=True, tag="sent"):
    """Sync (own devices only): the content one of our devices sent to ``peer``.

    ``content`` is that content's msgpack map, unpadded; the receiving device applies it as
    if it had sent it (docs/protocol.md §6.11). It is decoded with the same bounds as any
    content, and a transcript inside a transcript is refused.
    """

    peer: Username
    content: Annotated[bytes, msgspec.Meta(max_length=MAX_TRANSCRIPT_SIZE)]


class ReadSyncContent(_Content, frozen=True, tag="read"):
    """Sync (own devices only): these messages of ``peer`` were read on another device."""

    peer: Username
    message_ids: MessageIds


class GroupReadSyncContent(_Content, frozen=True, tag="group_read"):
    """Sync (own devices only): these messages of the group were read on another device."""

    group_id: GroupId
    message_ids: MessageIds


class VerifiedSyncContent(_Content, frozen=True, tag="verified"):
    """Sync (own devices only): ``peer``'s key ``identity_key`` was (un)verified elsewhere."""

    peer: Username
    identity_key: Annotated[
        bytes, msgspec.Meta(min_length=IDENTITY_KEY_SIZE, max_length=IDENTITY_KEY_SIZE)
    ]
    verified: bool


CallId = Annotated[str, msgspec.Meta(pattern=CALL_ID_PATTERN)]
CallSdp = Annotated[
    str, msgspec.Meta(min_length=1, max_length=MAX_CALL_SDP_LENGTH, pattern=_SDP_PATTERN)
]
#: The recipient devices a call content is meant for (None: every device of the recipient).
CallDevices = (
    Annotated[
        list[Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]],
        msgspec.Meta(max_length=MAX_CALL_DEVICES),
    ]
    | None
)


class CallOfferContent(_Content, frozen=True, tag="call_offer"):
    """A call: the caller's SDP offer (with its DTLS fingerprint and ICE candidates).

    ``restart`` is a re-offer of a connected call on a new peer connection (the network
    changed); it never rings.
    """

    call_id: CallId
    sdp: CallSdp
    video: bool
    restart: bool = False
    devices: CallDevices = None


class CallAnswerContent(_Content, frozen=True, tag="call_answer"):
    """The callee's device that took the call: its SDP answer."""

    call_id: CallId
    sdp: CallSdp
    devices: CallDevices = None


class CallCandidate(msgspec.Struct, frozen=True, kw_only=True):
    """One ICE candidate: its media id and its ``candidate:`` line (RFC 8839)."""

    mid: Annotated[str, msgspec.Meta(max_length=MAX_CALL_MID_LENGTH, pattern=_CALL_LINE_PATTERN)]
    candidate: Annotated[
        str,
        msgspec.Meta(
            min_length=1, max_length=MAX_CALL_CANDIDATE_LENGTH, pattern=_CALL_LINE_PATTERN
        ),
    ]


class CallIceContent(_Content, frozen=True, tag="call_ice"):
    """More ICE candidates of a call (trickled after the offer or answer)."""

    call_id: CallId
    candidates: Annotated[list[CallCandidate], msgspec.Meta(max_length=MAX_CALL_CANDIDATES)]
    devices: CallDevices = None


#: Why a call was hung up, as told to the other side.
CallHangupReason = Literal["hung_up", "declined", "busy", "answered_elsewhere", "timeout", "failed"]


class CallHangupContent(_Content, frozen=True, tag="call_hangup"):
    """The call ended (or never started) on the sender's side, and why."""

    call_id: CallId
    reason: CallHangupReason
    devices: CallDevices = None


CallContent = CallOfferContent | CallAnswerContent | CallIceContent | CallHangupContent


class ContactSyncContent(_Content, frozen=True, tag="contact"):
    """Sync (own devices only): we started a conversation with ``peer``, or accepted its key.

    ``identity_key`` is the key our device trusts for ``peer`` (absent if it knows none yet).
    """

    peer: Username
    identity_key: (
        Annotated[bytes, msgspec.Meta(min_length=IDENTITY_KEY_SIZE, max_length=IDENTITY_KEY_SIZE)]
        | None
    ) = None


Content = (
    TextContent
    | AttachmentContent
    | ReceiptContent
    | TypingContent
    | TimerContent
    | DeleteContent
    | ProfileContent
    | GroupUpdateContent
    | SenderKeyContent
    | GroupReceiptContent
    | RetryContent
    | ReactionContent
    | EditContent
    | SentTranscriptContent
    | ReadSyncContent
    | VerifiedSyncContent
    | ContactSyncContent
    | GroupReadSyncContent
    | CallOfferContent
    | CallAnswerContent
    | CallIceContent
    | CallHangupContent
)

#: Contents that go only to one's own devices and are accepted only from them.
SyncContent = (
    SentTranscriptContent
    | ReadSyncContent
    | VerifiedSyncContent
    | ContactSyncContent
    | GroupReadSyncContent
)

_QUOTED: Final = re.compile(r"'[^']*'")

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Content)


def content_kind(content: Content) -> str:
    """The ``kind`` tag of a content ("text", "attachment", ...)."""
    return str(type(content).__struct_config__.tag)


def pad(data: bytes) -> bytes:
    """Append ``0x80`` then zeros up to the next multiple of :data:`PADDING_BLOCK`."""
    padded_length = (len(data) // PADDING_BLOCK + 1) * PADDING_BLOCK
    return data + b"\x80" + b"\x00" * (padded_length - len(data) - 1)


def unpad(data: bytes) -> bytes:
    """Remove the padding added by :func:`pad`; raise :class:`ContentError` if malformed."""
    if not data or len(data) % PADDING_BLOCK:
        raise ContentError("content padding has the wrong length")
    stripped = data.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise ContentError("content padding is malformed")
    return stripped[:-1]


def encode_content(content: Content) -> bytes:
    """Serialize and pad a content for encryption."""
    return pad(_encoder.encode(content))


def transcript_of(content: Content) -> bytes:
    """The unpadded msgpack map of ``content``, for a ``sent`` transcript."""
    return _encoder.encode(content)


def decode_transcript(data: bytes) -> Content:
    """Parses the content inside a ``sent`` transcript (same bounds as any content).

    Raises:
        ContentError: Not valid content, or itself a sync content (no nesting).
    """
    content = decode_content(pad(data))
    if isinstance(content, SyncContent):
        raise ContentError("a transcript may not hold a sync content")
    return content


def decode_content(data: bytes) -> Content:
    """Unpad and parse decrypted bytes into a typed content.

    Raises:
        ContentError: The bytes are not valid content: bad padding, not msgpack, an unknown
            kind or version, a wrong type, or any value outside its bound (the message names
            the field, never its value).
    """
    try:
        content: Content = _decoder.decode(unpad(data))
    except msgspec.ValidationError as error:
        raise ContentError(f"content does not fit its schema: {_without_values(error)}") from None
    except msgspec.DecodeError:
        raise ContentError("content is not a valid message structure") from None
    if content.v != CONTENT_VERSION:
        raise ContentError("unsupported content version")
    return content


def _without_values(error: msgspec.ValidationError) -> str:
    """msgspec's reason and field path with every quoted value left out.

    msgspec quotes the offending value of an unknown ``kind`` or enum (peer-chosen text), so
    quoted parts are dropped; the path (``$.message_ids[3]``) names only schema fields.
    """
    return _QUOTED.sub("…", str(error))
