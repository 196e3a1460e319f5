"""Hosts are read the way the HTTP clients read them; ambiguous ones never reach locust.

``http://203.0.113.5\\@127.0.0.1:8000`` reads as 127.0.0.1 to ``urlsplit`` but as
203.0.113.5 to requests/urllib3 (HttpUser). Such hosts are refused before locust starts;
the only traffic in these tests goes to the loopback test server.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from urllib3.util import parse_url

from pytest_mlaudit import MlauditInputError
from pytest_mlaudit.checks.load import Server, run_load, serve
from pytest_mlaudit.checks.load import check as load_check
from pytest_mlaudit.checks.load.hosts import Origin, check_host, parse_host
from tests.checks.load.conftest import LOCUSTFILES

USER_FILES = [LOCUSTFILES / "http_user.py", LOCUSTFILES / "fast_http_user.py"]


def test_the_clients_disagree_on_a_backslash_before_userinfo() -> None:
    """Why the check cannot trust urlsplit alone (no request is sent here)."""
    url = "http://203.0.113.5\\@127.0.0.1:8000"
    assert urlsplit(url).hostname == "127.0.0.1"
    assert parse_url(url).host == "203.0.113.5"  # what HttpUser would connect to


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("http://203.0.113.5\\@127.0.0.1:8000", "backslash"),
        ("http://127.0.0.1\\@203.0.113.5:8000", "backslash"),
        ("http://127.0.0.1:8000\\", "backslash"),
        ("http://203.0.113.5@127.0.0.1:8000", "user part"),
        ("http://user:pw@127.0.0.1:8000", "user part"),
        ("http://127.0.0.1 @203.0.113.5", "' '"),
        ("http://127.0.0.1:8000\t/x", r"'\\t'"),
        ("http://127.0.0.1:8000\n", r"'\\n'"),
        ("http://127.0.0.1\x00.example", r"'\\x00'"),
        ("http://127.0.0.1%2f@203.0.113.5", "user part|percent"),
        ("http://127.0.0.%31:8000", "percent-encoded"),
        ("http://[::1%25lo]:8000", "percent-encoded"),
        ("http://127.1:8000", "non-canonical IPv4"),
        ("http://0x7f.1:8000", "non-canonical IPv4"),
        ("http://0x7f.0.0.1", "non-canonical IPv4"),
        ("http://2130706433", "non-canonical IPv4"),
        ("http://0177.0.0.1", "non-canonical IPv4"),
        ("http://127.000.000.001", "non-canonical IPv4"),
        ("http://127.0.0.1:8000:9000", "not a host name"),
        ("http://127.0.0.1:99999", "not in 1-65535"),
        ("http://127.0.0.1:+80", "not a host name"),
        ("http://[::g]:80", "not a host name"),
        ("http://[1::2::3]:80", "not an IPv6 address"),
        ("http://l\u043ecalhost:8000", "'\u043e'"),  # a Cyrillic o
    ],
)
def test_ambiguous_hosts_are_refused(host: str, why: str) -> None:
    with pytest.raises(MlauditInputError, match=rf"host=.* is ambiguous: .*(?:{why})"):
        check_host(host)
    # an explicit allowance does not make an ambiguous URL acceptable
    with pytest.raises(MlauditInputError, match="is ambiguous"):
        check_host(host, allowed_hosts=[host])


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        ("http://127.0.0.1:8000", Origin("http", "127.0.0.1", 8000)),
        ("HTTP://LocalHost:8000/predict?x=1#top", Origin("http", "localhost", 8000)),
        ("https://127.3.2.1", Origin("https", "127.3.2.1", 443)),
        ("http://[::1]", Origin("http", "::1", 80)),
        ("http://[0:0:0:0:0:0:0:1]:81", Origin("http", "0:0:0:0:0:0:0:1", 81)),
        ("http://127.0.0.1:8000/a@b/c", Origin("http", "127.0.0.1", 8000)),
        ("https://staging.example.com:8443", Origin("https", "staging.example.com", 8443)),
    ],
)
def test_plain_hosts_parse_the_same_in_every_client(host: str, origin: Origin) -> None:
    assert parse_host(host) == origin
    u = parse_url(host)
    assert ((u.host or "").strip("[]").lower(), u.port or 0) in {
        (origin.host, origin.port),
        (origin.host, 0),
    }


def test_ipv4_mapped_loopback_is_not_taken_for_loopback() -> None:
    with pytest.raises(MlauditInputError, match="not a loopback address"):
        check_host("http://[::ffff:127.0.0.1]:8000")


def test_a_bad_allowed_host_is_named() -> None:
    with pytest.raises(MlauditInputError, match=r"allowed_hosts='https://a@staging.example'"):
        check_host("https://staging.example", allowed_hosts=["https://a@staging.example"])


@pytest.mark.parametrize("locustfile", USER_FILES, ids=lambda p: p.stem)
def test_run_load_refuses_before_locust_starts(
    locustfile: Path, test_server: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Both user classes: the confusable host names the loopback test server, yet nothing
    is started (run_locust is never called) and nothing is written."""

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("locust must not start for an ambiguous host")

    monkeypatch.setattr(load_check, "run_locust", never)
    port = test_server.port
    for host in (
        f"http://203.0.113.5\\@127.0.0.1:{port}",
        f"http://203.0.113.5@127.0.0.1:{port}",
        f"http://127.1:{port}",
    ):
        with pytest.raises(MlauditInputError, match="is ambiguous"):
            run_load(
                locustfile,
                host=host,
                users=1,
                spawn_rate=1,
                run_time=1,
                output_dir=tmp_path / "out",
            )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("locustfile", USER_FILES, ids=lambda p: p.stem)
def test_each_user_class_loads_the_loopback_host(locustfile: Path, test_server: Server) -> None:
    report = run_load(locustfile, host=test_server.url, users=1, spawn_rate=5, run_time=2)
    assert report.requests > 0 and report.failures == 0, report.summary()
    assert [e.name for e in report.endpoints] == ["/fast"]


def test_serve_names_a_missing_program() -> None:
    with pytest.raises(
        MlauditInputError,
        match=r"serve\(\) cannot start the server: the program 'no-such-server-binary' was "
        r"not found .*sys.executable, '-m', 'uvicorn'.*command=\['no-such-server-binary'",
    ):
        with serve(["no-such-server-binary", "--port", "{port}"]):
            pass


def test_serve_names_a_program_that_is_not_executable(tmp_path: Path) -> None:
    script = tmp_path / "server.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o644)
    with pytest.raises(MlauditInputError, match=r"is not executable .*chmod \+x"):
        with serve([str(script), "{port}"]):
            pass


def test_serve_names_a_missing_working_directory(tmp_path: Path) -> None:
    with pytest.raises(MlauditInputError, match=r"cwd='.*nowhere' is not a directory"):
        with serve([sys.executable, "-c", "pass", "{port}"], cwd=tmp_path / "nowhere"):
            pass
