"""Render an audit record into ``audit.ipynb`` (papermill) and ``audit.html`` (nbconvert).

The record reaches the notebook as one parameter, ``record_path``: a validated absolute
path string, never the record's contents. papermill writes parameters into the notebook
as source code (string values through its own escaping, other values with an unescaped
f-string), so only that one string is passed, it is refused if it holds a control
character, and its translation is checked to read back as the same string before any
kernel starts.

The notebook runs in a kernel of *this* interpreter (``sys.executable -m
ipykernel_launcher``), whatever kernelspecs are registered: the kernel must import the
``pytest_mlaudit`` that wrote the record, and a user-level ``python3`` kernelspec may
point at another environment. Only ``ipykernel`` has to be installed.

The HTML hides code cells' inputs and carries no ``<script>`` (no require.js, MathJax or
widget loaders): it is CSS, HTML tables and PNG images as data URIs, readable offline.

papermill, nbformat, nbconvert, jupyter_client and jinja2 are imported inside the
functions that use them.
"""

from __future__ import annotations

import ast
import concurrent.futures
import importlib.util
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import IO, Any, Final

from pytest_mlaudit.errors import MlauditInputError

__all__ = ["ReportError", "default_template", "render_report"]

#: Files written into the output directory.
NOTEBOOK_NAME: Final = "audit.ipynb"
HTML_NAME: Final = "audit.html"
#: The one parameter the template receives.
PARAMETER: Final = "record_path"
#: Seconds a kernel may take to start, and one cell to run.
START_TIMEOUT_S: Final = 60
CELL_TIMEOUT_S: Final = 600

_INSTALL_HINT: Final = "install the report extra: pip install 'pytest-mlaudit[report]'"
_ANSI: Final = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: An nbconvert template: JupyterLab's, without its <script> tags (require.js from a
#: CDN, MathJax, mermaid); the report's outputs are HTML and PNG only.
_HTML_TEMPLATE_NAME: Final = "mlaudit_report.html.j2"
_HTML_TEMPLATE: Final = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block data_png scoped %}
{%- set alt = output | get_metadata('alt', 'image/png') -%}
{%- if alt is none or 'image/png' in output.metadata.get('filenames', {}) -%}
{{ super() }}
{%- else -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
 alt="{{ alt | escape_html }}" class="">
</div>
{%- endif -%}
{%- endblock data_png %}
{% block extra_css %}<style type="text/css">
body.jp-Notebook { max-width: 1240px; margin: 0 auto; }
.mlaudit-table { border-collapse: collapse; margin: 0.5em 0 1em 0; font-size: 13px; }
.mlaudit-table th, .mlaudit-table td { padding: 3px 8px; border-bottom: 1px solid #e0e0e0; }
.mlaudit-table thead th { border-bottom: 2px solid #9e9e9e; }
.mlaudit h3 { margin-top: 1.6em; }
</style>{% endblock extra_css %}
"""


class ReportError(RuntimeError):
    """The report could not be rendered. The record is untouched.

    The message names the record's path and, when a notebook cell failed, the cell.
    """

    def __init__(
        self,
        message: str,
        *,
        record: str,
        notebook: Path | None = None,
        cell_index: int | None = None,
    ) -> None:
        super().__init__(message)
        self.record = record  #: the record's path
        self.notebook = notebook  #: the partly executed notebook, if one was written
        self.cell_index = cell_index  #: 0-based index of the failing cell in that notebook


def default_template() -> Path:
    """The bundled ``audit_report.ipynb`` (``notebooks/audit_report.ipynb`` in the repo)."""
    path = Path(str(resources.files("pytest_mlaudit").joinpath("templates", "audit_report.ipynb")))
    return path


# --------------------------------------------------------------------------- validation


def check_record_path(record: Any) -> str:
    """The record's path as an absolute string that is safe to pass as a parameter.

    Refuses anything but a ``str``/``os.PathLike`` naming an existing file, and paths
    holding control characters (a newline, NUL, ...) or undecodable bytes: the string
    becomes source code in the notebook's parameters cell.
    """
    if isinstance(record, bytes) or not isinstance(record, str | os.PathLike):
        raise MlauditInputError(
            f"record must be the path of an audit record (str or os.PathLike); got "
            f"{type(record).__name__}: {record!r}."
        )
    raw = os.fspath(record)
    if not isinstance(raw, str) or not raw:
        raise MlauditInputError(f"record must be a non-empty path; got {record!r}.")
    path = os.path.abspath(raw)
    bad = sorted({c for c in path if ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c in "\u2028\u2029"})
    if bad:
        raise MlauditInputError(
            f"the record path {path!r} contains control character(s) "
            f"{', '.join(repr(c) for c in bad)}; move the record to a plain path."
        )
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise MlauditInputError(
            f"the record path {path!r} is not valid UTF-8; move the record to a plain path."
        ) from None
    if not os.path.isfile(path):
        raise MlauditInputError(f"no audit record at {path!r}.")
    return path


def _check_parameter_translation(path: str) -> None:
    """The parameters cell papermill will write must read back as exactly ``path``."""
    from papermill.translators import PythonTranslator

    code = PythonTranslator.translate_str(path)
    try:
        same = ast.literal_eval(code) == path
    except (ValueError, SyntaxError):
        same = False
    if not same:  # pragma: no cover - a papermill change would be needed
        raise MlauditInputError(
            f"papermill would not pass the record path {path!r} through intact "
            f"(it writes {code!r}); move the record to a plain path."
        )


def _check_template(template: str | os.PathLike[str] | None, record: str) -> Path:
    if template is None:
        path = default_template()
    else:
        if isinstance(template, bytes) or not isinstance(template, str | os.PathLike):
            raise MlauditInputError(
                f"template must be the path of a notebook; got {type(template).__name__}: "
                f"{template!r}."
            )
        path = Path(template).expanduser().absolute()
    if not path.is_file():
        raise ReportError(
            f"the report template {str(path)!r} does not exist; the record is kept at {record}.",
            record=record,
        )
    return path


def _require(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise ImportError(f"the audit report needs {module}: {_INSTALL_HINT}")


# --------------------------------------------------------------------------- kernel


def _kernel_dict() -> dict[str, Any]:
    try:
        from ipykernel.kernelspec import get_kernel_dict

        spec: dict[str, Any] = dict(get_kernel_dict())
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - older ipykernel
        spec = {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
        }
    spec["argv"] = [sys.executable, *spec["argv"][1:]]
    return spec


def _kernel_manager_class(log: IO[bytes]) -> type:
    """A kernel manager that starts this interpreter's ipykernel, its output into ``log``.

    The kernel process's own stdout/stderr (not the cells' outputs, which travel over
    ZeroMQ) would otherwise land on the user's terminal: start-up warnings, or a
    "KeyboardInterrupt caught in kernel" when it is shut down. They are kept for the
    error message if the kernel dies.
    """
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class ThisInterpreterKernelManager(AsyncKernelManager):  # type: ignore[misc]
        async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
            kw.setdefault("stdout", log)
            kw.setdefault("stderr", log)
            await super().start_kernel(**kw)

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            # jupyter_client >= 8.10: encrypt the kernel's sockets when both sides can (else
            # the kernel warns on stderr that it runs over TCP without encryption)
            if "transport_encryption" in self.traits():
                import zmq

                if zmq.has("curve"):
                    self.transport_encryption = "auto"

        @property
        def kernel_spec(self) -> KernelSpec:
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(**_kernel_dict())
            return self._kernel_spec

    return ThisInterpreterKernelManager


# --------------------------------------------------------------------------- render


def _first_line(source: str) -> str:
    lines = [ln.strip() for ln in source.splitlines() if ln.strip()]
    line = lines[0] if lines else ""
    return line if len(line) <= 80 else line[:77] + "..."


def _execute(template: Path, notebook: Path, record: str, cwd: Path) -> None:
    with tempfile.TemporaryFile() as log:
        try:
            _execute_with_log(template, notebook, record, cwd, log)
        except ReportError as exc:
            if exc.cell_index is None:  # not a cell's error: the kernel's own words may help
                log.seek(0)
                tail = log.read().decode("utf-8", "replace").strip().splitlines()[-15:]
                if tail:
                    exc.args = (exc.args[0] + "\nkernel output:\n  " + "\n  ".join(tail),)
            raise


def _execute_with_log(
    template: Path, notebook: Path, record: str, cwd: Path, log: IO[bytes]
) -> None:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    _check_parameter_translation(record)
    try:
        # the notebook is written once at the end, or with the failing cell on an error
        papermill.execute_notebook(
            str(template),
            str(notebook),
            parameters={PARAMETER: record},
            kernel_name="python3",
            language="python",
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            cwd=str(cwd),
            start_timeout=START_TIMEOUT_S,
            execution_timeout=CELL_TIMEOUT_S,
            kernel_manager_class=_kernel_manager_class(log),
        )
    except PapermillExecutionError as exc:
        evalue = _ANSI.sub("", str(exc.evalue))
        raise ReportError(
            f"the audit report of {record} could not be rendered: cell {exc.cell_index + 1} "
            f"(In [{exc.exec_count}]: {_first_line(exc.source)!r}) raised {exc.ename}: "
            f"{evalue}. The record is kept at {record}; the partly executed notebook is "
            f"{notebook} (template: {template}).",
            record=record,
            notebook=notebook,
            cell_index=exc.cell_index,
        ) from exc
    except Exception as exc:
        raise ReportError(
            f"the audit report of {record} could not be rendered: running {template} "
            f"failed with {type(exc).__name__}: {_ANSI.sub('', str(exc))}. The record is kept "
            f"at {record}.",
            record=record,
            notebook=notebook if notebook.exists() else None,
        ) from exc


def _title(record: str) -> str:
    import json

    try:
        data = json.loads(Path(record).read_text(encoding="utf-8"))
        root = str(data.get("run", {}).get("rootdir") or "")
        when = str(data.get("created_at") or "")
    except (OSError, ValueError, AttributeError):
        root, when = "", ""
    name = Path(root).name if root else ""
    return " · ".join(p for p in ("Audit report", name, when) if p)


def html_exporter() -> Any:
    """nbconvert's HTMLExporter as the report uses it (JupyterLab look, no scripts)."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(  # type: ignore[no-untyped-call]
        template_name="lab",
        extra_loaders=[DictLoader({_HTML_TEMPLATE_NAME: _HTML_TEMPLATE})],
        template_file=_HTML_TEMPLATE_NAME,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    _warm_up(exporter)
    return exporter


#: A 1x1 PNG, for the warm-up notebook.
_PIXEL: Final = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGBgAAAABQAB"
    "pfZFQAAAAABJRU5ErkJggg=="
)


def _warm_up(exporter: Any) -> None:
    """Export a tiny notebook once, so jinja compiles every template the report needs.

    Run in a thread while the kernel works, this takes the template compilation (about
    half a second) off the time the user waits.
    """
    import nbformat

    outputs = [
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"text/html": "<b>x</b>", "text/plain": "x"},
        },
        {
            "output_type": "display_data",
            "metadata": {"image/png": {"alt": "x"}},
            "data": {"image/png": _PIXEL, "text/plain": "x"},
        },
        {"output_type": "stream", "name": "stdout", "text": "x"},
    ]
    cells = [
        {"cell_type": "markdown", "id": "warm-up-0", "metadata": {}, "source": "x"},
        {
            "cell_type": "code",
            "id": "warm-up-1",
            "metadata": {},
            "source": "x",
            "execution_count": 1,
            "outputs": outputs,
        },
    ]
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}
    exporter.from_notebook_node(nbformat.from_dict(nb))  # type: ignore[no-untyped-call]


def export_html(
    notebook: Path, html: Path, *, title: str = "Audit report", exporter: Any = None
) -> Path:
    """Write ``notebook`` as static HTML: inputs hidden, no scripts, images embedded."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)  # type: ignore[no-untyped-call]
    nb.metadata["title"] = title
    body, _ = (exporter or html_exporter()).from_notebook_node(nb)
    tmp = html.with_name(f".{html.name}.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, html)
    return html


def render_report(
    record: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    template: str | os.PathLike[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Execute the report notebook on ``record``; write ``audit.ipynb`` and ``audit.html``.

    Parameters
    ----------
    record
        Path of an audit record (``pytest --mlaudit-json=...``).
    out_dir
        Directory for ``audit.ipynb`` and ``audit.html`` (created if needed).
    template
        A notebook with a cell tagged ``parameters`` (default: the bundled
        ``audit_report.ipynb``). It receives ``record_path`` (a string) and nothing else.
    progress
        Called with a line of text as rendering starts and with the HTML's path at the end.

    Returns
    -------
    pathlib.Path
        The HTML report.

    Raises
    ------
    MlauditInputError
        ``record`` is not a usable path of an audit record (not JSON, strict JSON with
        ``NaN``, another schema), or ``out_dir`` is a file; no kernel is started.
    ReportError
        The notebook or the HTML could not be written; the message names the record and
        the failing cell. The record itself is never modified.

    Examples
    --------
    >>> render_report("audit.json", "reports/", progress=print)  # doctest: +SKIP
    mlaudit: rendering the audit report of /repo/audit.json into reports ...
    mlaudit: report written to reports/audit.html (3.1 s)
    """
    say = progress or (lambda _line: None)
    path = check_record_path(record)
    from pytest_mlaudit.report.sections import read

    read(path)  # a file that is not a record fails here, before a kernel starts
    tpl = _check_template(template, path)
    for module in ("papermill", "nbconvert", "ipykernel", "matplotlib"):
        _require(module)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise MlauditInputError(
            f"out_dir must be a directory for {NOTEBOOK_NAME} and {HTML_NAME}; {str(out)!r} "
            "is a file. Name a directory (it is created if needed)."
        )
    out.mkdir(parents=True, exist_ok=True)
    notebook, html = out / NOTEBOOK_NAME, out / HTML_NAME
    html.unlink(missing_ok=True)  # never leave an old report next to a new failure
    started = time.perf_counter()
    say(f"rendering the audit report of {path} into {out}/ (runs a notebook; a few seconds) ...")
    import nbclient  # noqa: F401  (imported here, not concurrently with the thread below)
    import papermill  # noqa: F401

    # the kernel does the work; meanwhile this process prepares the HTML exporter
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="mlaudit-html") as pool:
        prepared = pool.submit(html_exporter)
        _execute(tpl, notebook, path, out.absolute())
        try:
            exporter = prepared.result()
        except Exception:  # retried (and reported) by export_html below
            exporter = None
    try:
        export_html(notebook, html, title=_title(path), exporter=exporter)
    except Exception as exc:
        raise ReportError(
            f"the audit report of {path} ran but its HTML could not be written: "
            f"{type(exc).__name__}: {exc}. The record is kept at {path}; the notebook is "
            f"{notebook}.",
            record=path,
            notebook=notebook,
        ) from exc
    say(f"report written to {html} ({time.perf_counter() - started:.1f} s; notebook {notebook})")
    return html
