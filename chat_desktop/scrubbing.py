"""Privacy rules for crash reports, shared by the client and the relay.

A crash report must never carry message text, file names or paths, usernames or key bytes.
A deny-list ("remove fields that look sensitive") cannot be proven complete: exception
messages, local variables and log lines can contain anything. So this module works the other
way round: it builds a NEW event out of the few fields known to be code facts — exception
types, function and module names, line numbers, SDK/runtime/OS names and versions — checks
each against a strict pattern, and drops everything else.

Kept: event id, timestamp, level, platform, release, environment, dist, SDK name/version,
OS and runtime name/version, whitelisted tags, and for each exception its type, its module,
its mechanism (type/handled/chain ids) and its stack frames as module + function + line.
Replaced: every exception value and every message by `REDACTED`.
Dropped: everything else — request, user, extra, breadcrumbs, server_name, modules, threads,
abs_path, source context, local variables, fingerprints, spans, other contexts.

This module imports nothing from the project on purpose: the relay imports it too.
"""

from __future__ import annotations

import copy
import importlib.util
import re
from collections.abc import Mapping
from typing import Any, Final

__all__ = [
    "ALLOWED_TAGS",
    "REDACTED",
    "scrub_breadcrumb",
    "scrub_event",
    "sentry_init_kwargs",
]

REDACTED: Final = "[redacted]"
"""Stands in for every free-text field: exception values and messages."""

ALLOWED_TAGS: Final = frozenset({"component", "process", "platform"})
"""Tag keys we set ourselves with code constants (e.g. component=relay)."""

_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_<][A-Za-z0-9_<>]*)*")
# Code objects Python names with angle brackets: <module>, <lambda>, <listcomp>, <genexpr>...
_SPECIAL_FUNCTION: Final = re.compile(r"<[a-z]+>")
_VERSIONISH: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+@:-]{0,99}")
_TAG_VALUE: Final = re.compile(r"[A-Za-z0-9._-]{1,64}")
_EVENT_ID: Final = re.compile(r"[0-9a-f]{32}")
_ISO_TIMESTAMP: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})?"
)
_LEVELS: Final = frozenset({"fatal", "error", "warning", "info", "debug"})
_MECHANISM_SOURCE: Final = re.compile(r"__(?:cause|context)__|exceptions\[\d{1,4}\]")
_MAX_IDENTIFIER_LENGTH: Final = 200
_MAX_EXCEPTIONS: Final = 20
_MAX_FRAMES: Final = 200


def scrub_event(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """Rebuild a Sentry event from allow-listed code facts only (a `before_send` hook).

    Args:
        event: The event as the SDK serialised it (plain JSON types).
        hint: The SDK's hint (the original exception); ignored, it may hold anything.

    Returns:
        A new event holding only allowed fields, or None to drop the event entirely
        (transactions and anything that is not an error/message event).
    """
    del hint  # holds the live exception and its locals: never looked at
    if event.get("type") not in (None, "error", "default"):
        return None
    clean: dict[str, Any] = {}
    _copy_if(clean, event, "event_id", _EVENT_ID)
    _copy_if(clean, event, "release", _VERSIONISH)
    _copy_if(clean, event, "environment", _VERSIONISH)
    _copy_if(clean, event, "dist", _VERSIONISH)
    if event.get("platform") == "python":
        clean["platform"] = "python"
    level = event.get("level")
    clean["level"] = level if isinstance(level, str) and level in _LEVELS else "error"
    if _is_timestamp(timestamp := event.get("timestamp")):
        clean["timestamp"] = timestamp
    if sdk := _scrub_name_version(event.get("sdk")):
        clean["sdk"] = sdk
    if contexts := _scrub_contexts(event.get("contexts")):
        clean["contexts"] = contexts
    if tags := _scrub_tags(event.get("tags")):
        clean["tags"] = tags
    exceptions = _scrub_exceptions(event.get("exception"))
    if exceptions:
        clean["exception"] = {"values": exceptions}
    if not exceptions or "message" in event or "logentry" in event:
        # The text of a message can be anything; its presence is the only thing we keep.
        clean["message"] = REDACTED
    return clean


def scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """Drop every breadcrumb (a `before_breadcrumb` hook): log lines and URLs leak content.

    Args:
        crumb: The breadcrumb the SDK is about to record.
        hint: The SDK's hint (for logging breadcrumbs, the log record).

    Returns:
        Always None.
    """
    del crumb, hint
    return None


def _drop_everything(item: Any, hint: Any) -> None:
    """Hook for logs, metrics and transactions: none of them is ever sent."""
    del item, hint


def sentry_init_kwargs(dsn: str, release: str, environment: str = "production") -> dict[str, Any]:
    """Keyword arguments for `sentry_sdk.init` that cannot ship personal data.

    PII off, no local variables or source lines, no breadcrumbs, no tracing/profiling/logs/
    metrics/sessions, no host name, and only the integrations that report crashes (unhandled
    exceptions in the main thread and in threads, deduplicated). The logging integration is
    installed explicitly with both levels off, so log records create neither events nor
    breadcrumbs. `scrub_event` is the last word on every event.

    Args:
        dsn: The project's DSN (from settings).
        release: The release identifier, e.g. "chat_desktop@0.1.0".
        environment: The deployment environment name.

    Returns:
        A fresh dict; callers may add a `transport` (tests) before calling `sentry_sdk.init`.
    """
    # Imported here so that importing this module (e.g. for scrub_event in the relay's tests)
    # stays cheap and does not require the SDK.
    from sentry_sdk.integrations.dedupe import DedupeIntegration
    from sentry_sdk.integrations.excepthook import ExcepthookIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.integrations.threading import ThreadingIntegration

    return {
        "dsn": dsn,
        "release": release,
        "environment": environment,
        "server_name": "",  # the host name often contains the user's name
        **_no_personal_data_options(),
        "include_local_variables": False,
        "include_source_context": False,
        "attach_stacktrace": False,
        "max_breadcrumbs": 0,
        "before_breadcrumb": scrub_breadcrumb,
        "before_send": scrub_event,
        "before_send_transaction": _drop_everything,
        "before_send_log": _drop_everything,
        "before_send_metric": _drop_everything,
        "default_integrations": False,
        "auto_enabling_integrations": False,
        "integrations": [
            LoggingIntegration(level=None, event_level=None, sentry_logs_level=None),
            ExcepthookIntegration(),
            ThreadingIntegration(propagate_scope=False),
            DedupeIntegration(),
        ],
        "traces_sample_rate": None,
        "profiles_sample_rate": None,
        "propagate_traces": False,
        "trace_propagation_targets": [],
        "auto_session_tracking": False,
        "enable_logs": False,
        "enable_metrics": False,
        "max_request_body_size": "never",
        "spotlight": False,
        "debug": False,
    }


# Sentry SDK 2.7x replaced the `send_default_pii` switch by a structured `data_collection`
# option (and warns about the old one). This is "collect nothing" in the new terms.
_DATA_COLLECTION_NOTHING: Final = {
    "user_info": False,
    "cookies": {"mode": "off"},
    "http_headers": {"request": {"mode": "off"}},
    "http_bodies": [],
    "url_query_params": {"mode": "off"},
    "graphql": {"document": False, "variables": False},
    "gen_ai": {"inputs": False, "outputs": False},
    "database_query_data": False,
    "queues": False,
    "stack_frame_variables": False,
    "frame_context_lines": 0,
}


def _no_personal_data_options() -> dict[str, Any]:
    """`send_default_pii=False`, spelt the way the installed SDK understands without warning."""
    if importlib.util.find_spec("sentry_sdk.data_collection") is None:
        return {"send_default_pii": False}
    return {"data_collection": copy.deepcopy(_DATA_COLLECTION_NOTHING)}


def _copy_if(
    clean: dict[str, Any], event: Mapping[str, Any], key: str, pattern: re.Pattern[str]
) -> None:
    value = event.get(key)
    if isinstance(value, str) and pattern.fullmatch(value):
        clean[key] = value


def _is_timestamp(value: Any) -> bool:
    if isinstance(value, str):
        return _ISO_TIMESTAMP.fullmatch(value) is not None
    return isinstance(value, int | float) and not isinstance(value, bool)


def _identifier(value: Any) -> str | None:
    """Return `value` if it is a dotted Python identifier (or <lambda>-style), else None."""
    if not isinstance(value, str) or len(value) > _MAX_IDENTIFIER_LENGTH:
        return None
    if _IDENTIFIER.fullmatch(value) or _SPECIAL_FUNCTION.fullmatch(value):
        return value
    return None


def _scrub_name_version(value: Any) -> dict[str, str] | None:
    if not isinstance(value, Mapping):
        return None
    clean: dict[str, str] = {}
    name, version = value.get("name"), value.get("version")
    if isinstance(name, str) and _VERSIONISH.fullmatch(name):
        clean["name"] = name
    if isinstance(version, str) and _VERSIONISH.fullmatch(version):
        clean["version"] = version
    return clean or None


def _scrub_contexts(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, Mapping):
        return None
    clean: dict[str, Any] = {}
    for key in ("os", "runtime"):
        if context := _scrub_name_version(value.get(key)):
            clean[key] = context
    return clean or None


def _scrub_tags(value: Any) -> dict[str, str] | None:
    if not isinstance(value, Mapping):
        return None
    clean = {
        key: tag
        for key, tag in value.items()
        if key in ALLOWED_TAGS and isinstance(tag, str) and _TAG_VALUE.fullmatch(tag)
    }
    return clean or None


def _scrub_exceptions(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, Mapping):
        return []
    values = value.get("values")
    if not isinstance(values, list):
        return []
    return [
        _scrub_exception(item) for item in values[-_MAX_EXCEPTIONS:] if isinstance(item, Mapping)
    ]


def _scrub_exception(exception: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {
        "type": _identifier(exception.get("type")) or "Exception",
        "value": REDACTED,
    }
    if module := _identifier(exception.get("module")):
        clean["module"] = module
    if mechanism := _scrub_mechanism(exception.get("mechanism")):
        clean["mechanism"] = mechanism
    stacktrace = exception.get("stacktrace")
    if isinstance(stacktrace, Mapping) and isinstance(stacktrace.get("frames"), list):
        frames = [
            _scrub_frame(frame)
            for frame in stacktrace["frames"][-_MAX_FRAMES:]
            if isinstance(frame, Mapping)
        ]
        clean["stacktrace"] = {"frames": frames}
    return clean


def _scrub_mechanism(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, Mapping):
        return None
    clean: dict[str, Any] = {"type": _identifier(value.get("type")) or "generic"}
    for flag in ("handled", "is_exception_group"):
        if isinstance(value.get(flag), bool):
            clean[flag] = value[flag]
    for number in ("exception_id", "parent_id"):
        item = value.get(number)
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < 10_000:
            clean[number] = item
    source = value.get("source")
    if isinstance(source, str) and _MECHANISM_SOURCE.fullmatch(source):
        clean["source"] = source
    return clean


def _scrub_frame(frame: Mapping[str, Any]) -> dict[str, Any]:
    """Keep a frame as module + function + line; the file name is rebuilt from the module.

    The SDK's `filename` can be an absolute path (with the user's home folder in it) for code
    outside `sys.path`, so it is never copied: a module name says the same thing safely.
    """
    clean: dict[str, Any] = {"function": _identifier(frame.get("function")) or "<unknown>"}
    module = _identifier(frame.get("module"))
    if module is not None:
        clean["module"] = module
        clean["filename"] = module.replace(".", "/") + ".py"
    else:
        clean["filename"] = "<unknown>"
    for number in ("lineno", "colno"):
        item = frame.get(number)
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < 10_000_000:
            clean[number] = item
    if isinstance(frame.get("in_app"), bool):
        clean["in_app"] = frame["in_app"]
    return clean
