"""Crash reports carry no plaintext, usernames, paths or key bytes, and nothing before opt-in.

The SDK runs for real with a transport that keeps envelopes in memory; every envelope is
serialised to the exact bytes that would go on the wire and searched for the canaries, in raw,
hex and base64 forms. Each leak test also checks that the exception TYPE is in those bytes,
so an empty payload cannot make the test pass.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sentry_sdk
from hypothesis import given, settings
from hypothesis import strategies as st
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from chat_desktop.scrubbing import REDACTED, scrub_event, sentry_init_kwargs
from chat_desktop.services.telemetry import InvalidDsn, Telemetry, default_release

pytestmark = pytest.mark.unit

TEST_DSN = "https://publickey@sentry.example.invalid/42"


class CapturingTransport(Transport):
    """Keeps every envelope the SDK would have sent, instead of sending it."""

    def __init__(self) -> None:
        super().__init__(options=None)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)

    def wire_bytes(self) -> bytes:
        return b"".join(envelope.serialize() for envelope in self.envelopes)

    def events(self) -> list[dict[str, Any]]:
        return [
            json.loads(item.payload.get_bytes())
            for envelope in self.envelopes
            for item in envelope.items
            if item.type == "event"
        ]


@dataclass(frozen=True)
class Canaries:
    """Secrets a crash could be carrying; none of them may reach the wire in any encoding."""

    plaintext: str
    username: str
    file_path: Path
    key: bytes

    def forms(self) -> list[bytes]:
        key_forms = [
            self.key,
            self.key.hex().encode(),
            self.key.hex().upper().encode(),
            base64.b64encode(self.key).rstrip(b"="),
            base64.urlsafe_b64encode(self.key).rstrip(b"="),
        ]
        texts = [self.plaintext, self.username, str(self.file_path), self.file_path.name]
        return (
            key_forms
            + [text.encode() for text in texts]
            + [base64.b64encode(text.encode()).rstrip(b"=") for text in texts]
        )

    def assert_absent_from(self, wire: bytes) -> None:
        for form in self.forms():
            assert form not in wire, f"canary leaked: {form[:12]!r}…"


class CanaryFailureError(Exception):
    """A distinctive type name the scrubbed report must still contain."""


@pytest.fixture
def canaries(tmp_path: Path) -> Canaries:
    token = secrets.token_hex(6)
    return Canaries(
        plaintext=f"CANARY-PLAINTEXT-{token} meet me at the old bridge",
        username=f"canary_user_{token}",
        file_path=tmp_path / f"CANARY-FILE-{token}.pdf",
        key=os.urandom(32),
    )


@pytest.fixture
def no_global_client() -> Iterator[None]:
    """Start and end every test with no Sentry client, whatever ran before or fails inside."""
    sentry_sdk.get_global_scope().set_client(None)
    yield
    client = sentry_sdk.get_client()
    sentry_sdk.get_global_scope().set_client(None)
    client.close(timeout=0.0)


@pytest.fixture
def transport() -> CapturingTransport:
    return CapturingTransport()


@pytest.fixture
def telemetry(no_global_client: None) -> Iterator[Telemetry]:
    telemetry = Telemetry(release="chat_desktop@0.0.0-test", environment="test")
    yield telemetry
    telemetry.disable()


def fail_while_holding_secrets(canaries: Canaries) -> None:
    """Raise with every canary in locals, in the message, in a note and in the cause."""
    message_text = canaries.plaintext
    username = canaries.username
    attachment_path = canaries.file_path
    key_bytes = canaries.key
    key_hex = key_bytes.hex()
    key_b64 = base64.b64encode(key_bytes).decode()
    try:
        raise KeyError(f"{username}:{key_hex}")
    except KeyError as cause:
        error = CanaryFailureError(
            f"could not send {message_text!r} from {username} with {attachment_path} "
            f"key={key_hex} {key_b64} {key_bytes!r}"
        )
        error.add_note(f"note: {message_text} {attachment_path}")
        raise error from cause


def test_captured_exception_carries_type_but_no_secret(
    telemetry: Telemetry, transport: CapturingTransport, canaries: Canaries
) -> None:
    telemetry.enable(TEST_DSN, transport=transport)
    assert not sentry_sdk.get_client().should_send_default_pii()

    try:
        fail_while_holding_secrets(canaries)
    except CanaryFailureError as error:
        event_id = telemetry.capture_exception(error)

    assert event_id is not None
    wire = transport.wire_bytes()
    assert b"CanaryFailureError" in wire  # the report exists and says what failed
    assert b"KeyError" in wire  # the chained cause too
    assert b"fail_while_holding_secrets" in wire  # and where
    canaries.assert_absent_from(wire)
    (event,) = transport.events()
    assert all(value["value"] == REDACTED for value in event["exception"]["values"])
    for frame in event["exception"]["values"][-1]["stacktrace"]["frames"]:
        assert set(frame) <= {"function", "module", "filename", "lineno", "colno", "in_app"}
        assert not frame["filename"].startswith("/")


def test_log_lines_before_the_crash_do_not_leak(
    telemetry: Telemetry, transport: CapturingTransport, canaries: Canaries
) -> None:
    telemetry.enable(TEST_DSN, transport=transport)
    logger = logging.getLogger("chat_desktop.tests.telemetry")

    logger.warning("received %s from %s", canaries.plaintext, canaries.username)
    logger.error("failed to open %s", canaries.file_path)
    try:
        fail_while_holding_secrets(canaries)
    except CanaryFailureError as error:
        logger.exception("send failed for %s", canaries.username)
        telemetry.capture_exception(error)

    events = transport.events()
    assert len(events) == 1  # log records create no events of their own
    assert "breadcrumbs" not in events[0]
    wire = transport.wire_bytes()
    assert b"CanaryFailureError" in wire
    canaries.assert_absent_from(wire)


def crash_in_a_thread(canaries: Canaries, monkeypatch: pytest.MonkeyPatch) -> list[type]:
    """Let an exception escape a thread, as an uncaught crash; return what reached the hook."""
    reached_hook: list[type] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: reached_hook.append(args.exc_type))
    worker = threading.Thread(target=fail_while_holding_secrets, args=(canaries,))
    worker.start()
    worker.join()
    return reached_hook


def test_uncaught_exception_in_a_thread_is_reported_scrubbed(
    telemetry: Telemetry,
    transport: CapturingTransport,
    canaries: Canaries,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    telemetry.enable(TEST_DSN, transport=transport)

    reached_hook = crash_in_a_thread(canaries, monkeypatch)

    assert reached_hook == [CanaryFailureError]  # Python still sees the crash as usual
    wire = transport.wire_bytes()
    assert b"CanaryFailureError" in wire
    (event,) = transport.events()
    assert event["exception"]["values"][-1]["mechanism"]["handled"] is False
    canaries.assert_absent_from(wire)


def test_nothing_is_captured_before_opt_in(
    telemetry: Telemetry, transport: CapturingTransport, canaries: Canaries
) -> None:
    assert not telemetry.enabled
    assert not sentry_sdk.get_client().is_active()

    try:
        fail_while_holding_secrets(canaries)
    except CanaryFailureError as error:
        assert telemetry.capture_exception(error) is None
        assert sentry_sdk.capture_exception(error) is None  # even the SDK directly: no client

    assert transport.envelopes == []


def test_nothing_is_captured_after_opt_out(
    telemetry: Telemetry,
    transport: CapturingTransport,
    canaries: Canaries,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    telemetry.enable(TEST_DSN, transport=transport)
    enabled_after_opt_in = telemetry.enabled
    telemetry.disable()

    try:
        fail_while_holding_secrets(canaries)
    except CanaryFailureError as error:
        assert telemetry.capture_exception(error) is None
        assert sentry_sdk.capture_exception(error) is None
    assert crash_in_a_thread(canaries, monkeypatch) == [CanaryFailureError]

    assert (enabled_after_opt_in, telemetry.enabled) == (True, False)
    assert not sentry_sdk.get_client().is_active()
    assert transport.envelopes == []


def test_enable_again_replaces_the_previous_client(
    telemetry: Telemetry, transport: CapturingTransport
) -> None:
    first = CapturingTransport()
    telemetry.enable(TEST_DSN, transport=first)
    telemetry.enable(TEST_DSN, transport=transport)

    telemetry.capture_exception(CanaryFailureError("x"))

    assert first.envelopes == []
    assert len(transport.events()) == 1


@pytest.mark.parametrize("dsn", ["", "   ", "not a dsn", "https://sentry.example.invalid/1"])
def test_invalid_dsn_is_refused_without_quoting_it(telemetry: Telemetry, dsn: str) -> None:
    with pytest.raises(InvalidDsn) as raised:
        telemetry.enable(dsn)

    assert not telemetry.enabled
    assert "not a dsn" not in str(raised.value)
    assert raised.value.__cause__ is None


def test_default_release_names_the_package() -> None:
    assert default_release().startswith("chat_desktop@")


def test_init_kwargs_turn_off_every_source_of_personal_data() -> None:
    options = sentry_init_kwargs(TEST_DSN, "chat_desktop@1.0", "staging")

    if "data_collection" in options:  # sentry-sdk >= 2.7x spelling of send_default_pii=False
        collection = options["data_collection"]
        assert collection["user_info"] is False
        assert collection["stack_frame_variables"] is False
        assert collection["frame_context_lines"] == 0
        assert "send_default_pii" not in options
    else:
        assert options["send_default_pii"] is False
    assert options["include_local_variables"] is False
    assert options["include_source_context"] is False
    assert options["max_breadcrumbs"] == 0
    assert options["before_send"] is scrub_event
    assert options["before_breadcrumb"]({"message": "x"}, {}) is None
    assert options["default_integrations"] is False
    assert options["auto_enabling_integrations"] is False
    assert options["traces_sample_rate"] is None
    assert options["server_name"] == ""
    logging_integration = next(
        integration
        for integration in options["integrations"]
        if integration.identifier == "logging"
    )
    assert logging_integration._handler is None  # no events from log records
    assert logging_integration._breadcrumb_handler is None  # no breadcrumbs either


# ---- scrub_event on hostile input, independent of what the SDK happens to send today ----

SECRET = "secret text/CANARY"
# Free text always contains a space or a slash: no allow-listed field pattern accepts either.
secret_texts = st.text(min_size=0, max_size=8).map(lambda noise: f"{SECRET} {noise}")
event_keys = st.sampled_from(
    [
        "exception", "values", "type", "value", "module", "stacktrace", "frames", "function",
        "filename", "abs_path", "vars", "context_line", "pre_context", "lineno", "mechanism",
        "message", "logentry", "extra", "user", "request", "breadcrumbs", "contexts", "os",
        "runtime", "name", "version", "tags", "component", "release", "environment", "sdk",
        "server_name", "event_id", "timestamp", "level", "platform", "threads", "source",
    ]
)  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | secret_texts,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(event_keys | secret_texts, children, max_size=6)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(event=st.dictionaries(event_keys, json_values, max_size=12))
def test_scrubbed_event_never_contains_free_text(event: dict[str, Any]) -> None:
    scrubbed = scrub_event(event, {"exc_info": (None, SECRET, None)})

    assert scrubbed is None or SECRET not in json.dumps(scrubbed)


def test_scrub_keeps_code_facts_and_replaces_the_rest() -> None:
    event = {
        "event_id": "0123456789abcdef0123456789abcdef",
        "level": "error",
        "platform": "python",
        "release": "chat_desktop@1.2.3",
        "server_name": "alices-laptop",
        "user": {"username": "alice"},
        "extra": {"sys.argv": ["/home/alice/secret.txt"]},
        "tags": {"component": "relay", "conversation": "alice-bob"},
        "contexts": {"os": {"name": "Linux", "version": "6.1"}, "device": {"name": "alice"}},
        "exception": {
            "values": [
                {
                    "type": "OSError",
                    "module": "builtins",
                    "value": "[Errno 2] No such file: '/home/alice/secret.txt'",
                    "mechanism": {"type": "excepthook", "handled": False, "data": {"a": 1}},
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "Composer.send",
                                "module": "chat_desktop.gui.composer",
                                "filename": "/home/alice/app/chat_desktop/gui/composer.py",
                                "abs_path": "/home/alice/app/chat_desktop/gui/composer.py",
                                "lineno": 42,
                                "context_line": "    send(text)",
                                "vars": {"text": "hello"},
                                "in_app": True,
                            }
                        ]
                    },
                }
            ]
        },
    }

    assert scrub_event(event, {}) == {
        "event_id": "0123456789abcdef0123456789abcdef",
        "level": "error",
        "platform": "python",
        "release": "chat_desktop@1.2.3",
        "tags": {"component": "relay"},
        "contexts": {"os": {"name": "Linux", "version": "6.1"}},
        "exception": {
            "values": [
                {
                    "type": "OSError",
                    "module": "builtins",
                    "value": REDACTED,
                    "mechanism": {"type": "excepthook", "handled": False},
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "Composer.send",
                                "module": "chat_desktop.gui.composer",
                                "filename": "chat_desktop/gui/composer.py",
                                "lineno": 42,
                                "in_app": True,
                            }
                        ]
                    },
                }
            ]
        },
    }


def test_transactions_are_dropped() -> None:
    assert scrub_event({"type": "transaction", "transaction": "GET /x"}, {}) is None


def test_the_dsn_is_the_deployments_choice_not_the_users(monkeypatch: pytest.MonkeyPatch) -> None:
    from chat_desktop.services import telemetry

    monkeypatch.delenv(telemetry.DSN_ENVIRONMENT_VARIABLE, raising=False)
    monkeypatch.setattr(telemetry, "BUILD_DSN", None)
    assert telemetry.configured_dsn() is None  # a build without a server sends nothing
    monkeypatch.setattr(telemetry, "BUILD_DSN", "https://build@sentry.example/1")
    assert telemetry.configured_dsn() == "https://build@sentry.example/1"
    monkeypatch.setenv(telemetry.DSN_ENVIRONMENT_VARIABLE, " https://ops@sentry.example/2 ")
    assert telemetry.configured_dsn() == "https://ops@sentry.example/2"
