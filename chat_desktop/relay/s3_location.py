"""Where in S3 the relay keeps its blobs: ``s3://bucket[/prefix]``, parsed and checked.

Apart from :mod:`chat_desktop.relay.s3_blobs` so the configuration can check the URL
without importing the S3 client (the ``s3`` extra).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from chat_desktop.relay.blob_storage import check_blob_id

#: URL scheme of ``--blobs`` for an S3-compatible bucket.
S3_SCHEME: Final = "s3://"
_BUCKET: Final = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_PREFIX: Final = re.compile(r"[A-Za-z0-9!_.*'()/-]{1,512}")


@dataclass(frozen=True)
class S3Location:
    """A bucket and the key prefix the relay's objects go under.

    Attributes:
        bucket: The bucket name (S3's rules: 3 to 63 of a-z, 0-9, dot and dash).
        prefix: Key prefix without leading or trailing slash; empty for the bucket's root.
    """

    bucket: str
    prefix: str = ""

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """Parses ``s3://bucket`` or ``s3://bucket/prefix``.

        Raises:
            ValueError: Not an ``s3://`` URL, or the bucket or prefix is malformed.
        """
        if not url.startswith(S3_SCHEME):
            raise ValueError("blob storage must be an s3://bucket[/prefix] URL")
        bucket, _, prefix = url.removeprefix(S3_SCHEME).partition("/")
        prefix = prefix.strip("/")
        if not _BUCKET.fullmatch(bucket) or ".." in bucket:
            raise ValueError("malformed S3 bucket name")
        if prefix and (
            not _PREFIX.fullmatch(prefix)
            or any(segment in ("", ".", "..") for segment in prefix.split("/"))
        ):
            raise ValueError("malformed S3 key prefix")
        return cls(bucket, prefix)

    def key(self, blob_id: str) -> str:
        """Returns the object key of a blob.

        Raises:
            ValueError: ``blob_id`` is not relay-made.
        """
        blob_id = check_blob_id(blob_id)
        return f"{self.prefix}/{blob_id}" if self.prefix else blob_id

    def __str__(self) -> str:
        """``s3://bucket[/prefix]``, for logs and errors."""
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"
