"""Link detection in message text: what becomes a link, what never does, what may be opened."""

from __future__ import annotations

import pytest

from chat_desktop.gui.conversation.link_text import find_links, is_openable

pytestmark = pytest.mark.unit


def links(text: str) -> list[tuple[str, str]]:
    return [(text[link.start : link.end], link.url) for link in find_links(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "see https://example.com/a?b=1.",
            [("https://example.com/a?b=1", "https://example.com/a?b=1")],
        ),
        ("http://example.org", [("http://example.org", "http://example.org")]),
        ("www.example.org, then", [("www.example.org", "http://www.example.org")]),
        ("mail bob@example.com.", [("bob@example.com", "mailto:bob@example.com")]),
        (
            "(https://en.wikipedia.org/wiki/Foo_(bar))",
            [
                (
                    "https://en.wikipedia.org/wiki/Foo_(bar)",
                    "https://en.wikipedia.org/wiki/Foo_(bar)",
                )
            ],
        ),
        (
            "two: https://a.example/x and www.b.example/y!",
            [
                ("https://a.example/x", "https://a.example/x"),
                ("www.b.example/y", "http://www.b.example/y"),
            ],
        ),
        ("HTTPS://EXAMPLE.COM", [("HTTPS://EXAMPLE.COM", "HTTPS://EXAMPLE.COM")]),
    ],
)
def test_links_are_found_without_trailing_punctuation(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert links(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a.b",
        "v1.2 e.g. i.e. foo.bar",
        "file.txt and main.py",
        "x@y",
        "http://",
        "https:// nothing",
        "ftp://example.com",
        "javascript:alert(1)",
        "foo.www.example.com",
        "@handle and user@",
        "",
    ],
)
def test_ordinary_text_is_never_a_link(text: str) -> None:
    assert find_links(text) == []


def test_an_address_inside_a_url_is_one_link() -> None:
    assert links("https://user@example.com/x") == [
        ("https://user@example.com/x", "https://user@example.com/x")
    ]


def test_offsets_count_utf16_units_of_the_original_text() -> None:
    # Qt's index space: the emoji is one Python character but two UTF-16 units.
    text = "héllo 😀 https://example.com ok"
    [link] = find_links(text)
    units = text.encode("utf-16-le")
    assert units[2 * link.start : 2 * link.end].decode("utf-16-le") == "https://example.com"
    assert (link.start, link.end) == (text.index("https") + 1, text.index(" ok") + 1)
    assert link.contains(link.start) and not link.contains(link.end)


def test_only_http_https_and_mailto_may_be_opened() -> None:
    assert is_openable("https://example.com")
    assert is_openable("http://www.example.com")
    assert is_openable("mailto:bob@example.com")
    assert not is_openable("javascript:alert(1)")
    assert not is_openable("file:///etc/passwd")
    assert not is_openable("smb://host/share")
