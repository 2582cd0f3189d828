"""A throwaway S3-compatible server for tests: moto's server mode on loopback.

:class:`S3Server` runs ``moto.server.ThreadedMotoServer`` in a thread of the test process on
127.0.0.1 and a free port. Its buckets live in moto's in-process backend, so they survive
:meth:`S3Server.stop` and :meth:`S3Server.start` on the same port (an outage of the endpoint,
not a loss of data). Relays reach it through the environment :meth:`S3Server.environment`
gives (``AWS_ENDPOINT_URL`` and fake credentials, which moto accepts); the test itself looks
into the bucket with a plain boto3 client from :meth:`S3Server.client`.
"""

from __future__ import annotations

import socket
import uuid
from typing import Any

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer

#: Fake credentials: moto accepts any, and a test can check they never reach a log.
ACCESS_KEY_ID = "AKIATESTRELAYBLOBS00"
SECRET_ACCESS_KEY = "test-secret-never-logged-0123456789abcdef"
REGION = "us-east-1"


def free_port() -> int:
    """Returns a loopback port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class S3Server:
    """moto's S3 on ``http://127.0.0.1:PORT``; the port stays the same across restarts."""

    def __init__(self) -> None:
        """Picks the port; :meth:`start` serves on it."""
        self.port = free_port()
        self._server: ThreadedMotoServer | None = None

    @property
    def endpoint_url(self) -> str:
        """The endpoint relays and test clients talk to."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Serves on :attr:`port` (again); returns once it accepts connections."""
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def stop(self) -> None:
        """Stops serving and closes the port; the buckets' contents stay."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def environment(self) -> dict[str, str]:
        """The variables a relay needs to use this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_DEFAULT_REGION": REGION,
        }

    def client(self) -> Any:
        """A synchronous boto3 S3 client for the test's own looks into buckets."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            region_name=REGION,
            config=Config(s3={"addressing_style": "path"}),
        )

    def create_bucket(self) -> str:
        """Creates a bucket with a fresh name and returns the name."""
        name = f"relay-blobs-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name
