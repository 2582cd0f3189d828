"""Configuration of one relay process: where it listens, where it keeps data, its limits.

Plain frozen dataclasses with the embedded defaults, so ``chat-relay --data-dir DIR`` needs
nothing else and tests can start a relay with tighter or looser knobs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from chat_desktop.protocol.schemas import MAX_BODY_SIZE, MAX_PAYLOADS
from chat_desktop.relay.client_address import ProxySettings
from chat_desktop.relay.s3_location import S3Location
from chat_desktop.relay.turn_credentials import TurnConfig

DAY_MS: Final = 24 * 3600 * 1000
#: Undelivered envelopes and unexpired blobs are kept at most this long.
DEFAULT_RETENTION_MS: Final = 30 * DAY_MS
#: How long an upload or download token stays valid.
DEFAULT_TOKEN_LIFETIME_MS: Final = 3600 * 1000
#: Failpoint for crash tests: SIGKILL the relay after a message is stored, before its ack.
FAILPOINT_CRASH_AFTER_STORE: Final = "crash-after-store"
FAILPOINTS: Final = (FAILPOINT_CRASH_AFTER_STORE,)
#: Most devices of one account unless the operator says otherwise (docs/protocol.md §6.11).
DEFAULT_MAX_DEVICES: Final = 5
#: The highest ``--max-devices``: a ``message:send`` carries at most 16 payloads, one per
#: device of the recipient, so an account with more devices could not be written to.
MAX_MAX_DEVICES: Final = MAX_PAYLOADS
#: Most body bytes waiting for one recipient device unless the operator says otherwise
#: (docs/protocol.md §6.8): a device offline for long cannot make the relay keep unbounded
#: data for it; sends past it are refused ``quota_exceeded``.
DEFAULT_MAX_QUEUED_BYTES: Final = 100 * 1024 * 1024
#: The smallest ``--max-queued-bytes``: one payload of the largest size must fit.
MIN_MAX_QUEUED_BYTES: Final = MAX_BODY_SIZE
#: What a ``--database`` URL may start with (the schemes asyncpg accepts).
DATABASE_URL_SCHEMES: Final = ("postgresql://", "postgres://")
#: What a ``--redis`` URL may start with (TCP, TLS, or a Unix socket).
REDIS_URL_SCHEMES: Final = ("redis://", "rediss://", "unix://")


@dataclass(frozen=True)
class RateRule:
    """A token bucket: at most ``count`` requests per ``period_s`` seconds, bursts included."""

    count: int
    period_s: float

    @property
    def per_second(self) -> float:
        """The refill rate in requests per second."""
        return self.count / self.period_s


@dataclass(frozen=True)
class RateLimits:
    """The relay's rate limits (docs/protocol.md §6.8); per account except ``registrations``
    and ``provisioning``, which are per client address."""

    messages: RateRule = RateRule(60, 1.0)
    bundles: RateRule = RateRule(30, 60.0)
    key_uploads: RateRule = RateRule(6, 600.0)
    attachments: RateRule = RateRule(50, 60.0)
    #: ``presence:subscribe`` requests (each may name up to 1000 users to look up).
    presence: RateRule = RateRule(30, 60.0)
    #: ``presence:visibility`` changes (each may notify every follower).
    visibility: RateRule = RateRule(10, 60.0)
    #: Per client address, not per account.
    registrations: RateRule = RateRule(5, 3600.0)
    #: ``account:delete`` requests (a successful one ends the account anyway).
    account_deletions: RateRule = RateRule(5, 3600.0)
    #: ``devices:link`` requests (each makes a link token), per account.
    device_links: RateRule = RateRule(10, 3600.0)
    #: ``devices:remove`` requests, per account.
    device_removals: RateRule = RateRule(10, 3600.0)
    #: ``POST /v1/provisioning`` (a new device opens a channel), per client address.
    provisioning: RateRule = RateRule(10, 3600.0)
    #: ``profile:put`` and ``profile:get`` together, per account (docs/protocol.md §13.3).
    profiles: RateRule = RateRule(60, 60.0)

    def with_rule(self, name: str, rule: RateRule) -> RateLimits:
        """Returns a copy with the rule called ``name`` replaced.

        Raises:
            ValueError: ``name`` is not one of this class's fields.
        """
        if name not in {f.name for f in dataclasses.fields(self)}:
            raise ValueError(f"unknown rate limit {name!r}")
        return dataclasses.replace(self, **{name: rule})


@dataclass(frozen=True)
class RelayConfig:
    """Everything one relay process needs to start.

    Attributes:
        data_dir: Folder holding the SQLite database, blob files and the token secret.
        database_url: ``postgresql://user@host:port/db`` to keep the store in PostgreSQL
            (several relay processes may share it); None for the SQLite file in
            ``data_dir``. The token secret stays in ``data_dir`` either way.
        redis_url: ``redis://host:port/db`` to run as one of several relay processes: they
            wake each other through Redis when they store a message for a device connected
            elsewhere, and share what is per-process otherwise (docs/protocol.md, "Several
            relay processes (Redis)"). None: one process, nothing imported from Redis.
        blobs_url: ``s3://bucket[/prefix]`` to keep attachment blobs in an S3-compatible
            bucket (endpoint and credentials from the environment, see
            :mod:`chat_desktop.relay.s3_blobs`); None for files in ``data_dir``.
        host: Address to listen on.
        port: TCP port; 0 picks a free one (the bound port is logged as ``listening``).
        public_url: The URL clients use to reach the relay; its origin is what connect
            signatures cover. Defaults to ``http://host:port`` as bound.
        rate_limits: Token-bucket limits of docs/protocol.md §6.8.
        sweep_interval_s: Seconds between two sweeps of expired envelopes and blobs.
        reset_check_interval_s: Seconds between two looks at the log of operator resets
            (``--reset-account`` runs in another process); a reset account's connections
            are cut within this time.
        gc_full_interval_s: Seconds between two full cyclic-GC collections; automatic
            ones are off (``gc_policy``: they would follow the message rate).
        retention_ms: Longest time anything undelivered is kept.
        token_lifetime_ms: Validity of blob upload/download tokens.
        max_devices: Most devices of one account (1 … :data:`MAX_MAX_DEVICES`).
        max_queued_bytes: Most body bytes waiting for one recipient device (at least
            :data:`MIN_MAX_QUEUED_BYTES`).
        proxies: The reverse proxies whose forwarding header names the client address
            that per-address limits are charged to (none by default).
        sentry_dsn: Report errors to Sentry (scrubbed) when set.
        turn: The TURN servers and the secret shared with them that ``call:ice_servers``
            hands out credentials for (docs/protocol.md §14.6); None: none.
        failpoint: Testing only: one of :data:`FAILPOINTS`.
    """

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8765
    public_url: str | None = None
    rate_limits: RateLimits = field(default_factory=RateLimits)
    sweep_interval_s: float = 60.0
    reset_check_interval_s: float = 0.5
    gc_full_interval_s: float = 600.0
    retention_ms: int = DEFAULT_RETENTION_MS
    token_lifetime_ms: int = DEFAULT_TOKEN_LIFETIME_MS
    max_devices: int = DEFAULT_MAX_DEVICES
    max_queued_bytes: int = DEFAULT_MAX_QUEUED_BYTES
    proxies: ProxySettings = field(default_factory=ProxySettings)
    sentry_dsn: str | None = None
    failpoint: str | None = None
    database_url: str | None = None
    blobs_url: str | None = None
    redis_url: str | None = None
    turn: TurnConfig | None = None

    def __post_init__(self) -> None:
        """Refuses limits no account could live with.

        Raises:
            ValueError: ``max_devices`` is outside 1 … :data:`MAX_MAX_DEVICES`,
                ``max_queued_bytes`` is below :data:`MIN_MAX_QUEUED_BYTES`, or
                ``database_url`` is not a ``postgresql://`` URL, ``redis_url`` not a
                ``redis://`` one, or ``blobs_url`` is not an ``s3://bucket[/prefix]`` URL.
        """
        if self.blobs_url is not None:
            S3Location.parse(self.blobs_url)
        if self.database_url is not None and not self.database_url.startswith(DATABASE_URL_SCHEMES):
            raise ValueError("database must be a postgresql:// URL")
        if self.redis_url is not None and not self.redis_url.startswith(REDIS_URL_SCHEMES):
            raise ValueError("redis must be a redis://, rediss:// or unix:// URL")
        if not self.gc_full_interval_s > 0:
            raise ValueError("gc_full_interval_s must be positive")
        if not 1 <= self.max_devices <= MAX_MAX_DEVICES:
            raise ValueError(f"max_devices must be between 1 and {MAX_MAX_DEVICES}")
        if self.max_queued_bytes < MIN_MAX_QUEUED_BYTES:
            raise ValueError(f"max_queued_bytes must be at least {MIN_MAX_QUEUED_BYTES}")

    @property
    def database_path(self) -> Path:
        """The SQLite database file."""
        return self.data_dir / "relay.sqlite3"

    @property
    def blob_dir(self) -> Path:
        """The folder of uploaded blob files."""
        return self.data_dir / "blobs"

    @property
    def token_secret_path(self) -> Path:
        """The file holding the key that signs blob tokens."""
        return self.data_dir / "token_secret"
