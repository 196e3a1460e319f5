"""A tiny, escaping HTML builder for the report's tables and text.

Everything that comes from the record (column names, category values, test ids,
messages) is *data* and goes through :func:`text`, which escapes it with
:func:`html.escape`; only the fragments this module builds are :class:`Html`. Nothing
here produces Markdown, so a name like ``**x**`` or ``$x$`` stays literal text.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from pytest_mlaudit.result import fmt_number

__all__ = [
    "DASH",
    "Html",
    "badge",
    "definition_list",
    "join",
    "name",
    "nodeid",
    "number",
    "pct",
    "plural",
    "table",
    "tag",
    "text",
    "visible",
]

#: Control characters (newline, tab, escape, ...) shown as visible escapes in names.
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: Shown for a missing value (an en dash).
DASH: Final = "\u2013"
#: Longest name shown in a table cell before it is cut (the full name is in the title).
MAX_NAME: Final = 80


class Html(str):
    """Markup built by this module: inserted as is, never escaped again."""

    __slots__ = ()


def text(value: Any) -> Html:
    """``value`` as escaped text (quotes included)."""
    if isinstance(value, Html):
        return value
    return Html(html.escape(str(value), quote=True))


def visible(s: str) -> str:
    r"""Control characters as escapes: ``"a\nb"`` is shown as ``a\nb`` on one line."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), s)


def name(value: Any, *, limit: int = MAX_NAME) -> Html:
    """A column, feature, category or class name: one line, escaped, cut at ``limit``.

    The full (escaped) value is kept in the ``title`` attribute when it was cut.
    """
    if isinstance(value, Html):
        return value
    s = visible(str(value))
    if len(s) <= limit:
        return text(s)
    return Html(f'<span title="{text(s)}">{text(s[: limit - 1])}…</span>')


#: A node id may wrap after these (path separators, ``::``, parametrization, word joins).
_NODEID_BREAKS: Final = re.compile(r"(::|[/\[\-_])")
#: Table cells that hold node ids: break at the ``<wbr>`` marks only, never inside a word.
NODEID_STYLE: Final = "overflow-wrap:normal;word-break:normal;"


def _wbr(escaped: str) -> str:
    return _NODEID_BREAKS.sub(lambda m: f"{m.group()}<wbr>", escaped)


def nodeid(value: Any, *, limit: int = 200) -> Html:
    """A pytest node id: like :func:`name`, allowed to wrap only after ``/``, ``::``,
    ``[``, ``-`` and ``_`` (a ``<wbr>`` follows each), never inside a word.

    Put it in a cell styled :data:`NODEID_STYLE` (``table(..., ids=[i])``) so the
    browser does not break it elsewhere.
    """
    s = visible(str(value))
    if len(s) <= limit:
        return Html(_wbr(text(s)))
    return Html(f'<span title="{text(s)}">{_wbr(text(s[: limit - 1]))}…</span>')


def plural(n: Any, word: str, many: str | None = None) -> str:
    """``"1 check"``, ``"2 checks"``, ``"0 checks"`` (``many`` for irregular plurals)."""
    value = n if isinstance(n, int | float) and not isinstance(n, bool) else None
    shown = fmt_number(value) if value is not None else str(n)
    return f"{shown} {word if value == 1 else (many or word + 's')}"


def number(x: Any) -> Html:
    """A number as the terminal summary shows it (``fmt_number``); anything else as text."""
    if x is None:
        return Html(DASH)
    if isinstance(x, str) and x in {"nan", "inf", "-inf"}:  # non-finite floats in the JSON
        return Html(x)
    if isinstance(x, bool) or not isinstance(x, int | float):
        return text(x)
    return text(fmt_number(x))


def pct(x: Any, digits: int = 2) -> Html:
    """A fraction as a percentage (``0.0312`` -> ``3.12%``)."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        return number(x)
    if math.isnan(x):
        return Html("nan")
    return Html(f"{100 * x:.{digits}f}%")


def tag(tag_name: str, *children: Any, **attrs: Any) -> Html:
    """``<tag attr="...">children</tag>``; children that are not :class:`Html` are escaped.

    Attribute names use ``_`` for ``-`` and a trailing ``_`` for reserved words
    (``class_="x"``); values are escaped.
    """
    parts = [tag_name]
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        key = key.rstrip("_").replace("_", "-")
        parts.append(key if value is True else f'{key}="{text(value)}"')
    inner = "".join(text(c) for c in children)
    return Html(f"<{' '.join(parts)}>{inner}</{tag_name}>")


def join(parts: Iterable[Any], sep: str = "") -> Html:
    """Concatenate fragments, escaping the ones that are not :class:`Html`."""
    return Html(text(sep).join(text(p) for p in parts))


_BADGE_STYLE: Final = {
    "pass": "background:#e6f4ea;color:#137333;",
    "fail": "background:#fce8e6;color:#a50e0e;",
    "warn": "background:#fef7e0;color:#8a5300;",
    "info": "background:#e8f0fe;color:#174ea6;",
}


def badge(label: str, level: str) -> Html:
    """A small coloured label: level is ``pass``, ``fail``, ``warn`` or ``info``."""
    style = _BADGE_STYLE.get(level, _BADGE_STYLE["info"])
    return tag(
        "span",
        label,
        class_=f"mlaudit-badge mlaudit-{level}",
        style=style + "padding:1px 6px;border-radius:3px;font-weight:600;white-space:nowrap;",
    )


def _cell(value: Any) -> Html:
    if isinstance(value, Html):
        return value
    if isinstance(value, bool):
        return text("yes" if value else "no")
    if value is None or isinstance(value, int | float):
        return number(value)
    return name(value)


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    numeric: Iterable[int] = (),
    nowrap: Iterable[int] = (),
    breakable: Iterable[int] = (),
    ids: Iterable[int] = (),
    row_levels: Sequence[str | None] | None = None,
    caption: str | None = None,
) -> Html:
    """An HTML table. Cells: :class:`Html` as is, numbers formatted, the rest escaped.

    ``numeric`` are the column positions to right-align, ``nowrap`` the ones kept on one
    line, ``breakable`` the ones that may break anywhere (long messages without spaces)
    so that the table fits the page, ``ids`` the ones holding :func:`nodeid` values
    (broken only at their ``<wbr>`` marks); ``row_levels`` colours whole rows
    (``"fail"``/``"warn"``/``None``).
    """
    right = set(numeric)
    styles = {
        i: ("text-align:right;" if i in right else "text-align:left;")
        + ("white-space:nowrap;" if i in set(nowrap) else "")
        + ("overflow-wrap:anywhere;" if i in set(breakable) else "")
        + (NODEID_STYLE if i in set(ids) else "")
        for i in range(len(headers))
    }
    head = "".join(
        tag("th", h, style="text-align:right;" if i in right else "text-align:left;")
        for i, h in enumerate(headers)
    )
    body: list[str] = []
    tint = {"fail": "background:#fdf1f0;", "warn": "background:#fffaeb;"}
    for r, row in enumerate(rows):
        level = row_levels[r] if row_levels is not None and r < len(row_levels) else None
        cells = "".join(
            f'<td style="{styles.get(i, "text-align:left;")}">{_cell(v)}</td>'
            for i, v in enumerate(row)
        )
        style = f' style="{tint[level]}"' if level in tint else ""
        body.append(f"<tr{style}>{cells}</tr>")
    cap = tag("caption", caption, style="caption-side:top;text-align:left;") if caption else ""
    return Html(
        f'<table class="mlaudit-table">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def definition_list(items: Mapping[str, Any]) -> Html:
    """``key: value`` lines as a two-column table without a header."""
    rows = "".join(
        f'<tr><th style="text-align:left;padding-right:1em;">{text(k)}</th>'
        f'<td style="text-align:left;">{_cell(v)}</td></tr>'
        for k, v in items.items()
    )
    return Html(f'<table class="mlaudit-table mlaudit-dl"><tbody>{rows}</tbody></table>')
