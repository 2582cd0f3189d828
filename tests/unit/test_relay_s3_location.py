"""``--blobs s3://bucket[/prefix]``: what the relay accepts as a bucket and how it names
objects (issue 25). A malformed URL is refused before the relay starts; a blob id that is not
relay-made never becomes an object key."""

from __future__ import annotations

import pytest

from chat_desktop.relay.blob_storage import new_blob_id
from chat_desktop.relay.s3_location import S3Location

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("url", "bucket", "prefix"),
    [
        ("s3://relay-blobs", "relay-blobs", ""),
        ("s3://relay-blobs/", "relay-blobs", ""),
        ("s3://relay.blobs.example/attachments", "relay.blobs.example", "attachments"),
        ("s3://abc/a/b/", "abc", "a/b"),
    ],
)
def test_bucket_and_prefix_are_parsed(url: str, bucket: str, prefix: str) -> None:
    assert S3Location.parse(url) == S3Location(bucket, prefix)


@pytest.mark.parametrize(
    "url",
    [
        "relay-blobs",
        "https://relay-blobs",
        "s3://",
        "s3://ab",
        "s3://Relay-Blobs",
        "s3://-relay",
        "s3://relay..blobs",
        "s3://" + "a" * 64,
        "s3://relay-blobs/a//b",
        "s3://relay-blobs/a b",
        "s3://relay-blobs/../secret",
    ],
)
def test_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match=r"S3|s3://"):
        S3Location.parse(url)


def test_objects_are_named_by_relay_made_ids_only() -> None:
    blob_id = new_blob_id()
    assert S3Location("bucket", "a/b").key(blob_id) == f"a/b/{blob_id}"
    assert S3Location("bucket").key(blob_id) == blob_id
    for hostile in ("../" + blob_id, blob_id.upper(), blob_id + "/x", ""):
        with pytest.raises(ValueError, match="malformed blob id"):
            S3Location("bucket").key(hostile)


def test_str_names_the_location_without_credentials() -> None:
    assert str(S3Location("bucket", "a/b")) == "s3://bucket/a/b"
    assert str(S3Location("bucket")) == "s3://bucket"
