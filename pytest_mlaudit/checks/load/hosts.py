"""The base URL of a load test, read the way the HTTP clients read it, and the loopback rule.

Load tests target loopback only unless a host is allowed explicitly. That rule is only as
good as the parse it rests on: ``urllib.parse.urlsplit("http://203.0.113.5\\@127.0.0.1")``
reads the host ``127.0.0.1`` (the part after ``@``), while ``requests``/``urllib3`` (locust's
``HttpUser``) end the authority at the backslash and connect to ``203.0.113.5``, and
``geventhttpclient`` (``FastHttpUser``) follows ``urlparse`` and strips the "credentials".
So a host is accepted only in a form every client reads the same way:

* ``http`` or ``https``, then ``//``, a host and an optional port of 1-5 digits, then an
  optional path; ASCII only, no whitespace or control characters, no backslash anywhere;
* no userinfo (``user@``), no percent-encoding in the host, no IPv6 zone;
* a host that is a DNS name (letters, digits, ``-``, ``.``), a *canonical* dotted-quad
  IPv4 address (``127.0.0.1``; forms such as ``127.1``, ``0x7f.0.0.1``, ``2130706433`` or
  ``0177.0.0.1`` are refused: resolvers read them as numbers, the loopback check would
  have to guess), or a bracketed IPv6 address;
* and ``urllib3.util.parse_url`` (when installed) and ``urllib.parse.urlparse`` give the
  same scheme, host and port as the check.

Pure standard library (urllib3 is imported inside :func:`parse_host` when present).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import urllib.parse
from collections.abc import Iterable
from typing import Final

from pytest_mlaudit.errors import MlauditInputError

__all__ = ["Origin", "check_host", "is_loopback", "parse_host"]

_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_URL: Final = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<authority>[^/?#]*)(?P<rest>[/?#].*)?",
    re.DOTALL,
)
_AUTHORITY: Final = re.compile(
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(?P<port>[0-9]{1,5}))?"
)
_NUMERIC_LABEL: Final = re.compile(r"(?:0[xX][0-9A-Fa-f]*|[0-9]+)")


@dataclasses.dataclass(frozen=True, slots=True)
class Origin:
    """Scheme, host (lower case, IPv6 without brackets) and port of a base URL."""

    scheme: str
    host: str
    port: int


def is_loopback(hostname: str) -> bool:
    """True for ``localhost`` and loopback IP literals (127.0.0.0/8, ::1)."""
    name = hostname.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _refuse(argument: str, url: str, why: str) -> MlauditInputError:
    return MlauditInputError(
        f"{argument}={url!r} is ambiguous: {why}. HTTP clients disagree on where such a URL "
        "points (requests/urllib3 for HttpUser, geventhttpclient for FastHttpUser), so it is "
        "refused before any request is sent; write it as scheme://host[:port][/path], e.g. "
        "'http://127.0.0.1:8000'."
    )


def parse_host(url: object, *, argument: str = "host") -> Origin:
    """The :class:`Origin` of ``url`` when every HTTP client reads it the same way.

    Raises :class:`MlauditInputError` naming ``argument`` and what is ambiguous.

    Examples
    --------
    >>> parse_host("http://LOCALHOST:8000/predict")
    Origin(scheme='http', host='localhost', port=8000)
    >>> parse_host("https://[::1]")
    Origin(scheme='https', host='::1', port=443)
    >>> parse_host("http://me@127.0.0.1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pytest_mlaudit.errors.MlauditInputError: host='http://me@127.0.0.1' is ambiguous: ...
    """
    if not isinstance(url, str) or not url:
        raise MlauditInputError(
            f"{argument} must be the base URL of the endpoint, e.g. 'http://127.0.0.1:8000'; "
            f"got {argument}={url!r}."
        )
    bad = sorted({c for c in url if not c.isascii() or not c.isprintable() or c.isspace()})
    if bad:
        raise _refuse(argument, url, f"it contains {', '.join(map(repr, bad))}")
    if "\\" in url:
        raise _refuse(argument, url, "it contains a backslash")
    m = _URL.fullmatch(url)
    if m is None or m["scheme"].lower() not in _DEFAULT_PORTS or not m["authority"]:
        raise MlauditInputError(
            f"{argument} must be an http(s) URL with a host name, e.g. "
            f"'http://127.0.0.1:8000'; got {argument}={url!r}."
        )
    scheme, authority = m["scheme"].lower(), m["authority"]
    if "@" in authority:
        raise _refuse(argument, url, "it has a user part ('...@'), which clients read differently")
    if "%" in authority:
        raise _refuse(argument, url, "its host is percent-encoded (or has an IPv6 zone)")
    a = _AUTHORITY.fullmatch(authority)
    if a is None:
        raise _refuse(
            argument, url, f"{authority!r} is not a host name, an IP address or host:port"
        )
    host = a["host"].lower()
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise _refuse(argument, url, f"{a['host']!r} is not an IPv6 address") from None
        host = host[1:-1]
    elif all(_NUMERIC_LABEL.fullmatch(label) for label in host.split(".")):
        # resolvers (inet_aton) read such names as numbers: accept the canonical form only
        try:
            canonical = str(ipaddress.IPv4Address(host))
        except ValueError:
            canonical = ""
        if canonical != host:
            raise _refuse(
                argument,
                url,
                f"{a['host']!r} is a non-canonical IPv4 form (write the four decimal parts, "
                "e.g. 127.0.0.1)",
            )
    port = int(a["port"]) if a["port"] is not None else _DEFAULT_PORTS[scheme]
    if not 1 <= port <= 65535:
        raise _refuse(argument, url, f"port {port} is not in 1-65535")
    origin = Origin(scheme, host, port)
    for client, seen in _clients(url).items():
        if seen != origin:
            raise _refuse(argument, url, f"{client} reads it as {seen}, this check as {origin}")
    return origin


def _clients(url: str) -> dict[str, Origin | None]:
    """How the clients' own parsers read ``url`` (the ones that are installed)."""
    out: dict[str, Origin | None] = {}
    parts = urllib.parse.urlparse(url)  # geventhttpclient's URL and locust's FastHttpSession
    try:
        port = parts.port
    except ValueError:
        port = None
    out["urllib.parse (FastHttpUser)"] = (
        Origin(parts.scheme, parts.hostname, port or _DEFAULT_PORTS.get(parts.scheme, 0))
        if parts.hostname
        else None
    )
    try:
        from urllib3.util import parse_url
    except ImportError:  # pragma: no cover - urllib3 comes with requests, which locust needs
        return out
    try:
        u = parse_url(url)
    except ValueError:
        out["urllib3 (HttpUser)"] = None
        return out
    host = (u.host or "").strip("[]").lower()
    out["urllib3 (HttpUser)"] = (
        Origin(u.scheme or "", host, u.port or _DEFAULT_PORTS.get(u.scheme or "", 0))
        if host
        else None
    )
    return out


def check_host(host: object, *, allowed_hosts: Iterable[str] = (), argument: str = "host") -> str:
    """Validate the base URL of a load test; return it without a trailing slash.

    Load tests target loopback only, unless the host's origin (scheme, name, port) is
    in ``allowed_hosts`` — what ``--mlaudit-target-url`` sets for a staging endpoint.
    The URL must be one every HTTP client reads the same way (:func:`parse_host`).

    >>> check_host("http://127.0.0.1:8000/")
    'http://127.0.0.1:8000'
    """
    origin = parse_host(host, argument=argument)
    assert isinstance(host, str)
    if not is_loopback(origin.host):
        allowed = {parse_host(a, argument="allowed_hosts") for a in allowed_hosts}
        if origin not in allowed:
            raise MlauditInputError(
                f"{argument}={host!r} is not a loopback address: load tests target "
                "127.0.0.1, ::1 or localhost unless a host is allowed explicitly. To load "
                f"a staging endpoint on purpose pass allowed_hosts=[{host!r}] (or run "
                f"pytest with --mlaudit-target-url={host})."
            )
    return host.rstrip("/")
