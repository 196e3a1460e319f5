"""What every section shares: :class:`Section`, reading the record, JSON helpers, titles.

The record is read as plain JSON with a default for every field (:func:`_num`,
:func:`_dict`, :func:`_list`, ...), so a record of an older or newer version still
renders. Nothing here knows a check kind.
"""

from __future__ import annotations

import base64
import json
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from pytest_mlaudit.errors import MlauditInputError
from pytest_mlaudit.report import _html as h
from pytest_mlaudit.report._html import Html

__all__ = ["Section", "describe", "read"]

_WRAP: Final = (
    '<div class="mlaudit tex2jax_ignore mathjax_ignore" '
    'style="max-width:1200px;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;">'
)


class Section:
    """HTML fragments and PNG plots, in order; what one notebook cell shows.

    In a notebook it displays as separate ``text/html`` and ``image/png`` outputs (so
    the plots are images in the ``.ipynb`` and in the HTML export), however many parts
    were :meth:`extend`-ed into it; :meth:`to_html` gives one self-contained HTML
    string (images as data URIs) for tests and scripts.
    """

    __slots__ = ("blocks",)

    def __init__(self) -> None:
        self.blocks: list[Html | tuple[bytes, str]] = []

    def html(self, *fragments: Any) -> Section:
        """Append fragments (escaped unless :class:`Html`)."""
        self.blocks.append(h.join(fragments))
        return self

    def png(self, data: bytes, alt: str) -> Section:
        """Append a PNG image with its alternative text."""
        self.blocks.append((data, alt))
        return self

    def extend(self, other: Section) -> Section:
        """Append every block of ``other`` (its HTML and its images, in order)."""
        self.blocks.extend(other.blocks)
        return self

    def __bool__(self) -> bool:
        return bool(self.blocks)

    def outputs(self) -> list[tuple[str, Any]]:
        """The notebook outputs: ``("text/html", str)`` and ``("image/png", (bytes, alt))``.

        Consecutive HTML blocks are merged into one output; each image is its own.
        """
        out: list[tuple[str, Any]] = []
        pending: list[str] = []
        for block in self.blocks:
            if isinstance(block, tuple):
                if pending:
                    out.append(("text/html", f"{_WRAP}{''.join(pending)}</div>"))
                    pending = []
                out.append(("image/png", block))
            else:
                pending.append(block)
        if pending:
            out.append(("text/html", f"{_WRAP}{''.join(pending)}</div>"))
        return out

    def to_html(self) -> str:
        parts = []
        for mime, value in self.outputs():
            if mime == "image/png":
                data, alt = value
                b64 = base64.b64encode(data).decode("ascii")
                parts.append(f'<img src="data:image/png;base64,{b64}" alt="{h.text(alt)}"/>')
            else:
                parts.append(value)
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def _ipython_display_(self) -> None:  # pragma: no cover - runs inside the kernel
        from IPython.display import HTML, Image, display

        for mime, value in self.outputs():
            if mime == "image/png":
                display(Image(data=value[0], format="png", alt=value[1]))  # type: ignore[no-untyped-call]
            else:
                display(HTML(value))  # type: ignore[no-untyped-call]


# --------------------------------------------------------------------------- reading


class _NonFinite(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NonFinite(name)


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read an audit record as plain JSON, checking only what every section relies on.

    It is strict JSON (``NaN`` and ``Infinity`` are refused, as :func:`write_record` never
    writes them), so a file that would fail inside the notebook is refused before it runs.
    """
    from pytest_mlaudit.record import SCHEMA_VERSION

    p = Path(path)
    if not str(path):
        raise MlauditInputError(
            "record_path is empty: render this notebook with `mlaudit report RECORD.json -o DIR` "
            "or `pytest --mlaudit-report=DIR`, which pass the record's path."
        )
    try:
        data = json.loads(p.read_text(encoding="utf-8"), parse_constant=_refuse_constant)
    except FileNotFoundError:
        raise MlauditInputError(f"no audit record at {str(p)!r}.") from None
    except IsADirectoryError:
        raise MlauditInputError(
            f"{str(p)!r} is a directory; give the audit record's JSON file (audit.json)."
        ) from None
    except _NonFinite as exc:
        raise MlauditInputError(
            f"{str(p)!r} holds {exc.args[0]}, which strict JSON (and a record written by "
            "mlaudit) never does; the file was edited or written by something else."
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MlauditInputError(f"{str(p)!r} is not valid JSON: {exc}.") from None
    major = SCHEMA_VERSION.split(".")[0]
    version = data.get("schema_version") if isinstance(data, dict) else None
    if not isinstance(version, str) or version.split(".")[0] != major:
        raise MlauditInputError(
            f"{str(p)!r} is not an mlaudit record of schema {major}.x: schema_version={version!r}."
        )
    if not isinstance(data.get("checks", []), list):
        raise MlauditInputError(f"{str(p)!r}: 'checks' must be a list of check entries.")
    record: dict[str, Any] = data
    record["_path"] = str(p)
    return record


def _entries(record: Mapping[str, Any], kinds: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The record's check entries (dicts only), optionally of the given kinds."""
    wanted = None if kinds is None else set(kinds)
    out = []
    for entry in record.get("checks") or ():
        if not isinstance(entry, dict):
            continue
        if wanted is None or _kind(entry) in wanted:
            out.append(entry)
    return out


def _kind(entry: Mapping[str, Any]) -> str:
    result = entry.get("result")
    fallback = result.get("kind", "") if isinstance(result, dict) else ""
    return str(entry.get("kind") or fallback or entry.get("check") or "?")


def _result(entry: Mapping[str, Any]) -> dict[str, Any]:
    result = entry.get("result")
    return result if isinstance(result, dict) else {}


def _num(x: Any) -> float:
    """A JSON number (or the strings "nan"/"inf") as a float; anything else is nan."""
    if isinstance(x, bool):
        return float(x)
    if isinstance(x, int | float):
        return float(x)
    if isinstance(x, str):
        try:
            return float(x)
        except ValueError:
            return math.nan
    return math.nan


def _opt(x: Any) -> float | None:
    """A number from the JSON, or None when absent/not a number."""
    return None if x is None else _num(x)


def _list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, list | tuple) else []


def _dict(x: Any) -> dict[str, Any]:
    return x if isinstance(x, dict) else {}


def _dicts(x: Any) -> list[dict[str, Any]]:
    """The dicts of a JSON list (anything else left out)."""
    return [item for item in _list(x) if isinstance(item, dict)]


# --------------------------------------------------------------------------- text


def describe(headline: Mapping[str, Any] | None) -> str:
    """``name=statistic <op> threshold`` as :meth:`Measure.describe` writes it."""
    from pytest_mlaudit.result import fmt_number

    hl = _dict(headline)
    name = str(hl.get("name", "?"))
    subject = hl.get("subject")
    where = f"{subject}: " if subject else ""
    stat = _num(hl.get("statistic"))
    if hl.get("threshold") is None and "threshold" in hl:
        return f"{where}{name}={fmt_number(stat)}"  # a tracked value without a limit
    thr = _num(hl.get("threshold"))
    above = hl.get("bad_when", "above") != "below"
    if math.isnan(stat):
        op = "?"
    elif above:
        op = ">" if stat > thr else "<="
    else:
        op = "<" if stat < thr else ">="
    return f"{where}{name}={fmt_number(stat)} {op} {fmt_number(thr)}"


def _short_list(items: Sequence[Any], n: int = 5) -> str:
    shown = ", ".join(h.visible(str(i)) for i in items[:n])
    more = len(items) - n
    return shown + (f" and {more} more" if more > 0 else "")


#: Badges of the outcomes of a test that carries a check (``outcome`` in the record).
_OUTCOME_BADGES: Final = {
    "xfailed": ("XFAIL", "warn"),
    "xpassed": ("XPASS", "warn"),
    "error": ("ERROR", "fail"),
    "skipped": ("SKIP", "info"),
}


def _verdict(passed: Any) -> Html:
    return h.badge("PASS", "pass") if passed is True else h.badge("FAIL", "fail")


def _outcome(entry: Mapping[str, Any]) -> str:
    """``passed``, ``failed``, ``error``, ``skipped``, ``xfailed`` or ``xpassed``.

    The record's ``outcome`` (schema >= 1.1, the outcome of the test that ran the check),
    else the check's own verdict.
    """
    outcome = entry.get("outcome")
    if isinstance(outcome, str) and outcome:
        return outcome
    return "passed" if entry.get("passed") is True else "failed"


def _badge(entry: Mapping[str, Any]) -> Html:
    """The verdict badge of an entry: PASS, FAIL, or its test's XFAIL, XPASS, ERROR, SKIP."""
    outcome = _outcome(entry)
    if outcome in _OUTCOME_BADGES and not (outcome == "xfailed" and entry.get("passed") is True):
        label, level = _OUTCOME_BADGES[outcome]
        return h.badge(label, level)
    return _verdict(entry.get("passed"))


def _needs_action(entry: Mapping[str, Any]) -> bool:
    """A failing check that was not an expected failure (xfail)."""
    return entry.get("passed") is not True and _outcome(entry) != "xfailed"


def _level(entry: Mapping[str, Any]) -> str | None:
    """The row tint of an entry in a table: fail, warn (xfail) or none."""
    if entry.get("passed") is True and _outcome(entry) != "error":
        return None
    return "warn" if _outcome(entry) in ("xfailed", "skipped") else "fail"


def _shown_name(entry: Mapping[str, Any]) -> str:
    """How the check is named everywhere: the record's ``name`` (``nodeid#2`` for a
    test's second check), else the node id with its position."""
    name = entry.get("name")
    if isinstance(name, str) and name:
        return name
    nodeid = str(entry.get("nodeid") or "(outside pytest)")
    seq = entry.get("seq")
    return f"{nodeid}#{seq + 1}" if isinstance(seq, int) and seq > 0 else nodeid


def _title(entry: Mapping[str, Any], what: str) -> Html:
    """The heading of one check's part: verdict, what it is, the check's name."""
    return h.tag(
        "h3",
        _badge(entry),
        " ",
        what,
        ": ",
        h.tag("code", h.nodeid(_shown_name(entry), limit=160)),
    )


def _code_list(label: str, items: Any) -> Section:
    """``label: `a`, `b`, ...`` as one paragraph (empty when there are no items)."""
    names = _list(items)
    if not names:
        return Section()
    return Section().html(
        h.tag("p", label, h.join([h.tag("code", h.name(c)) for c in names], ", "))
    )


def _notes(notes: Any, heading: str | None = None) -> Section:
    """A list of the entry's notes (pre-wrapped), under an optional heading."""
    texts = [str(n) for n in _list(notes)]
    section = Section()
    if texts:
        if heading:
            section.html(h.tag("h4", heading))
        section.html(h.tag("ul", *[h.tag("li", n, style="white-space:pre-wrap;") for n in texts]))
    return section


def _safe(build: Callable[[dict[str, Any]], Section], entry: dict[str, Any]) -> Section:
    """Build one check's part; a malformed entry shows a note instead of stopping the report."""
    try:
        section = build(entry)
        if not isinstance(section, Section):
            raise TypeError(f"the section function returned {type(section).__name__}, not Section")
        return section
    except Exception as exc:  # defensive: the rest of the report must still render
        return Section().html(
            h.tag(
                "p",
                h.badge("note", "warn"),
                f" The details of {entry.get('nodeid', '?')!s} ({_kind(entry)}) could not be "
                f"shown: {type(exc).__name__}: {exc}. Its verdict and figures are in the summary.",
            )
        )
