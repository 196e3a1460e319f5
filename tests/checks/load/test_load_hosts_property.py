"""Property: any string is refused, or read the same way by the check and every client."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st
from urllib3.util import parse_url

from pytest_mlaudit import MlauditInputError
from pytest_mlaudit.checks.load.hosts import check_host, is_loopback, parse_host

PIECES = st.sampled_from(
    [
        "127.0.0.1",
        "127.1",
        "0x7f",
        "203.0.113.5",
        "localhost",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "example.com",
        "@",
        "\\",
        ":",
        ":8000",
        ":0",
        ":99999",
        "/",
        "//",
        "?",
        "#",
        "%2f",
        "%40",
        " ",
        "\t",
        "\n",
        "\x00",
        "user:pw",
        ".",
        "-",
        "[",
        "]",
        "\u043e",
        "0",
        "01",
    ]
)
URLS = st.builds(
    lambda scheme, parts: scheme + "".join(parts),
    st.sampled_from(["http://", "https://", "HTTP://", "ftp://", "http:/", ""]),
    st.lists(PIECES, min_size=0, max_size=6),
) | st.text(max_size=40)


@settings(max_examples=600, deadline=None, derandomize=True)
@given(URLS)
def test_a_host_is_refused_or_every_client_agrees(url: str) -> None:
    try:
        origin = parse_host(url)
    except MlauditInputError:
        return
    split = urlsplit(url)
    assert (split.hostname, split.port or origin.port) == (origin.host, origin.port)
    u = parse_url(url)
    assert ((u.host or "").strip("[]").lower(), u.port or origin.port) == (
        origin.host,
        origin.port,
    )
    try:
        check_host(url)
    except MlauditInputError as exc:
        assert "not a loopback address" in str(exc)
        assert not is_loopback(origin.host)
    else:
        # accepted without an allowance: loopback in every client's reading
        assert is_loopback(origin.host)
        assert origin.host == "localhost" or ipaddress.ip_address(origin.host).is_loopback
