"""Child processes that never outlive their caller, and ``serve()``.

(The loopback rule and the parsing of hosts are in :mod:`.hosts`; ``check_host`` and
``is_loopback`` are re-exported here.)

Every process a load check starts (a model server, locust, locust workers) is the leader
of a new session (``start_new_session=True``), so

* the terminal's Ctrl-C reaches only the Python process, which then stops the children
  in a ``finally`` (they never see a half-delivered SIGINT);
* stopping one kills its whole process group, grandchildren included
  (``uvicorn --workers``, ``locust --processes``): SIGTERM, a grace period, SIGKILL.

A :class:`ProcessGroup` stops its children on success, failure, timeout and
``KeyboardInterrupt``; an ``atexit`` hook stops any group still alive when the
interpreter exits. (A ``SIGKILL`` of the Python process itself cannot be caught; the
children then keep running until their own run time ends — locust always has one.)
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import http.client
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Final

from pytest_mlaudit.checks.load.hosts import check_host, is_loopback, parse_host
from pytest_mlaudit.errors import MlauditInputError

__all__ = [
    "LOOPBACK",
    "ProcessGroup",
    "Server",
    "check_host",
    "free_port",
    "http_get",
    "is_loopback",
    "serve",
    "tail",
    "uvicorn_command",
]

LOOPBACK: Final = "127.0.0.1"
_POSIX: Final = os.name == "posix"

_live: set[ProcessGroup] = set()
_live_lock = threading.Lock()


def _stop_live_groups() -> None:
    with _live_lock:
        groups = list(_live)
    for group in groups:
        group.stop(grace_s=2.0)


atexit.register(_stop_live_groups)


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    if _POSIX:
        try:
            os.killpg(proc.pid, sig)  # the pid of a session leader is its group id
        except (ProcessLookupError, PermissionError):
            pass
    elif proc.poll() is None:  # pragma: no cover - Windows
        if sig == signal.SIGTERM:
            proc.terminate()
        else:
            proc.kill()


class ProcessGroup:
    """Child processes, each in its own session, stopped together.

    Use it as a context manager: leaving the block (normally, by an exception, by
    ``KeyboardInterrupt``) stops every child and its descendants.

    Examples
    --------
    >>> with ProcessGroup() as group:  # doctest: +SKIP
    ...     proc = group.spawn(["sleep", "60"], log_path="sleep.log")
    """

    __slots__ = ("__weakref__", "_procs")

    def __init__(self) -> None:
        self._procs: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> ProcessGroup:
        with _live_lock:
            _live.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs]

    def spawn(
        self,
        argv: Sequence[str],
        *,
        log_path: str | os.PathLike[str],
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start ``argv`` in a new session; stdout and stderr go to ``log_path``."""
        with _live_lock:
            _live.add(self)
        with open(log_path, "wb") as log:
            kwargs: dict[str, object] = {}
            if _POSIX:
                kwargs["start_new_session"] = True
            else:  # pragma: no cover - Windows
                kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
            proc: subprocess.Popen[bytes] = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(env) if env is not None else None,
                cwd=cwd,
                **kwargs,  # type: ignore[call-overload]
            )
        self._procs.append(proc)
        return proc

    def stop(self, grace_s: float = 5.0) -> None:
        """SIGTERM every group, wait up to ``grace_s``, then SIGKILL what is left.

        A second Ctrl-C during the grace period skips straight to SIGKILL.
        """
        procs, self._procs = self._procs, []
        try:
            for proc in procs:
                _signal_group(proc, signal.SIGTERM)
            deadline = time.monotonic() + grace_s
            for proc in procs:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=max(deadline - time.monotonic(), 0.0))
        finally:
            for proc in procs:
                # also catches descendants that outlived their leader
                _signal_group(proc, signal.SIGKILL)
            for proc in procs:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=5.0)
            with _live_lock:
                _live.discard(self)


def tail(path: str | os.PathLike[str], lines: int = 25) -> str:
    """The last ``lines`` lines of a log file ("" when missing)."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def check_reachable(host: str, *, argument: str = "host", timeout_s: float = 2.0) -> None:
    """Raise :class:`MlauditInputError` when nothing accepts TCP connections at ``host``."""
    origin = parse_host(host, argument=argument)
    try:
        with socket.create_connection((origin.host, origin.port), timeout=timeout_s):
            pass
    except OSError as exc:
        raise MlauditInputError(
            f"{argument}={host!r} is unreachable ({exc.__class__.__name__}: {exc}). Start "
            "the server first (pytest_mlaudit.checks.load.serve starts one on a free "
            "127.0.0.1 port) or check the URL."
        ) from None


def http_get(url: str, *, timeout_s: float) -> tuple[int | None, float]:
    """GET ``url`` on a new connection: ``(status or None on error, seconds taken)``."""
    parts = urllib.parse.urlsplit(url)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    start = time.perf_counter()
    conn = cls(parts.hostname or LOOPBACK, parts.port, timeout=timeout_s)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        resp = conn.getresponse()
        resp.read()
        status: int | None = resp.status
    except (OSError, http.client.HTTPException):
        status = None
    finally:
        conn.close()
    return status, time.perf_counter() - start


@dataclasses.dataclass(frozen=True, slots=True)
class Server:
    """A running server: its base URL and, when it was started here, its pid."""

    url: str  #: base URL, e.g. ``http://127.0.0.1:38017``
    pid: int | None = None  #: the server process (None for a remote/staging URL)
    port: int | None = None
    log_path: str | None = None  #: where its stdout/stderr go


def _command(command: str | Sequence[str]) -> list[str]:
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if not argv or not all(isinstance(a, str) for a in argv):
        raise MlauditInputError(
            "command must be a non-empty list of strings (or a shell-like string), e.g. "
            "[sys.executable, '-m', 'uvicorn', 'app:app', '--host', '{host}', '--port', "
            f"'{{port}}']; got command={command!r}."
        )
    for arg in argv:
        if arg in ("0.0.0.0", "::", "[::]") or arg.startswith(("0.0.0.0:", "--host=0.0.0.0")):
            raise MlauditInputError(
                f"command binds every network interface ({arg!r}); a test server must "
                "listen on 127.0.0.1 only: use '{host}' in the command."
            )
    return argv


def _cannot_start(
    argv: Sequence[str], cwd: str | os.PathLike[str] | None, exc: OSError
) -> MlauditInputError:
    """Why ``argv`` could not be started, and what to do, as one error."""
    program = argv[0]
    if cwd is not None and not Path(cwd).is_dir():
        what = f"cwd={os.fspath(cwd)!r} is not a directory; create it or pass another cwd"
    elif isinstance(exc, PermissionError):
        what = (
            f"the program {program!r} is not executable ({exc.strerror}); make it executable "
            "(chmod +x) or start it through its interpreter"
        )
    elif isinstance(exc, FileNotFoundError) and shutil.which(program) is None:
        what = (
            f"the program {program!r} was not found (not a file, and not on PATH); install "
            "it, give its full path, or run Python tools through this interpreter: "
            "[sys.executable, '-m', 'uvicorn', ...] (see uvicorn_command())"
        )
    else:
        what = f"starting {program!r} failed: {type(exc).__name__}: {exc}"
    return MlauditInputError(f"serve() cannot start the server: {what}; command={list(argv)!r}.")


def uvicorn_command(
    app: str, *, app_dir: str | os.PathLike[str] | None = None, extra: Sequence[str] = ()
) -> list[str]:
    """The command line that serves the ASGI ``app`` (``"module:attr"``) with uvicorn,
    for :func:`serve`: this interpreter, ``{host}``/``{port}`` placeholders, no access log.

    Examples
    --------
    >>> uvicorn_command("server:app")[-6:]
    ['{host}', '--port', '{port}', '--no-access-log', '--log-level', 'warning']
    """
    argv = [sys.executable, "-m", "uvicorn", app]
    if app_dir is not None:
        argv += ["--app-dir", str(app_dir)]
    argv += ["--host", "{host}", "--port", "{port}", "--no-access-log", "--log-level", "warning"]
    return [*argv, *extra]


@contextlib.contextmanager
def serve(
    command: str | Sequence[str],
    *,
    health_path: str = "/health",
    port: int | None = None,
    startup_timeout_s: float = 60.0,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    log_path: str | os.PathLike[str] | None = None,
) -> Iterator[Server]:
    """Start a server on a free 127.0.0.1 port, wait until it is healthy, always stop it.

    ``{host}`` and ``{port}`` in ``command`` are replaced by ``127.0.0.1`` and the port.
    The server is healthy when ``GET health_path`` answers 200. It runs in its own
    process group, which is stopped (SIGTERM, then SIGKILL) when the block ends, however
    it ends. pytest is not needed: this works in a notebook or a script too.

    Parameters
    ----------
    command
        The server's command line, with ``{port}`` (and usually ``{host}``) in it.
    health_path
        Path polled until it answers 200.
    port
        A fixed port instead of a free one.
    startup_timeout_s
        Give up (and stop the process) when it is not healthy by then.
    env
        Extra environment variables for the server.
    cwd
        Working directory of the server.
    log_path
        Where its output goes (default: a temporary file, removed afterwards).

    Raises
    ------
    MlauditInputError
        When the process exits or is not healthy in time; the message ends with the
        tail of its output.

    Examples
    --------
    >>> import sys
    >>> cmd = [sys.executable, "-m", "uvicorn", "server:app", "--host", "{host}",
    ...        "--port", "{port}"]
    >>> with serve(cmd) as server:  # doctest: +SKIP
    ...     report = run_load("load/predict.py", host=server.url, users=10,
    ...                       spawn_rate=10, run_time=5, server_pid=server.pid)
    """
    argv = _command(command)
    if port is None:
        if not any("{port}" in a for a in argv):
            raise MlauditInputError(
                "command must contain '{port}' (replaced by a free port), or pass port=...; "
                f"got command={argv!r}."
            )
        port = free_port()
    argv = [a.replace("{port}", str(port)).replace("{host}", LOOPBACK) for a in argv]
    if not health_path.startswith("/"):
        raise MlauditInputError(
            f"health_path must start with '/'; got health_path={health_path!r}."
        )
    url = f"http://{LOOPBACK}:{port}"
    child_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    cleanup_log = log_path is None
    if log_path is None:
        fd, tmp = tempfile.mkstemp(prefix="mlaudit-server-", suffix=".log")
        os.close(fd)
        log_path = tmp
    try:
        with ProcessGroup() as group:
            try:
                proc = group.spawn(argv, log_path=log_path, env=child_env, cwd=cwd)
            except OSError as exc:
                raise _cannot_start(argv, cwd, exc) from None
            deadline = time.monotonic() + startup_timeout_s
            while True:
                code = proc.poll()
                if code is not None:
                    raise MlauditInputError(
                        f"the server exited with code {code} before {health_path} answered; "
                        f"command={argv!r}. Its output ends with:\n{tail(log_path)}"
                    )
                status, _ = http_get(url + health_path, timeout_s=1.0)
                if status == 200:
                    break
                if time.monotonic() > deadline:
                    raise MlauditInputError(
                        f"the server did not answer 200 on {url}{health_path} within "
                        f"{startup_timeout_s} s (last status: {status}); command={argv!r}. "
                        f"Its output ends with:\n{tail(log_path)}"
                    )
                time.sleep(0.1)
            yield Server(url=url, pid=proc.pid, port=port, log_path=str(log_path))
    finally:
        if cleanup_log:
            with contextlib.suppress(OSError):
                os.unlink(log_path)
