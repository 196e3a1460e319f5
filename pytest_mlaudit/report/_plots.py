"""The report's plots: matplotlib figures returned as PNG bytes.

Every function takes plain JSON data from the record (lists and dicts) and returns the
PNG of one figure, so a plot is embedded in the notebook and the HTML as an image and
needs no JavaScript to be seen. matplotlib is imported inside the functions, and only
its object-oriented API is used (no pyplot state, no GUI backend).

Names from the data are drawn as plain text: mathtext is switched off, so a column
called ``$x$`` is not typeset, and control characters are shown as escapes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import itertools
import math
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from pytest_mlaudit.report.sections._common import _num

__all__ = ["capacity_curve", "class_rates", "drift_histograms", "load_timeline"]

#: Colours: reference/baseline in grey-blue, current in orange, limits in red.
REFERENCE: Final = "#5b7fa6"
CURRENT: Final = "#e8743b"
LIMIT: Final = "#c5221f"
SECOND: Final = "#2e7d32"
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_DPI: Final = 100


def label(value: Any, limit: int = 32) -> str:
    """A name as one short line of plain text for a plot."""
    s = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(value))
    return s if len(s) <= limit else s[: limit - 1] + "…"


@contextlib.contextmanager
def _figure(
    width: float,
    height: float,
    *,
    left: float = 0.75,
    right: float = 0.25,
    top: float = 0.4,
    bottom: float = 0.55,
    wspace: float = 0.3,
    hspace: float = 0.45,
) -> Iterator[Any]:
    """A figure with fixed margins (in inches; much faster than constrained layout)."""
    import matplotlib as mpl
    from matplotlib.figure import Figure

    rc: dict[str, Any] = {
        "text.parse_math": False,
        "text.usetex": False,
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.labelsize": 9,
        "legend.fontsize": 8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titley": 1.0,  # a fixed title position: no costly automatic placement
        "axes.titlepad": 4.0,
    }
    with mpl.rc_context(rc), warnings.catch_warnings():  # type: ignore[arg-type]
        warnings.simplefilter("ignore")  # e.g. "Glyph ... missing from font": not for auditors
        fig = Figure(figsize=(width, height), dpi=_DPI)
        fig.subplots_adjust(
            left=left / width,
            right=1 - right / width,
            top=1 - top / height,
            bottom=bottom / height,
            wspace=wspace,
            hspace=hspace,
        )
        yield fig


#: Space (inches) kept between the outermost text and the edge of the image.
_PAD: Final = 0.08


def _renderer(fig: Any) -> Any:
    """An Agg renderer of ``fig`` (the canvas that saves the PNG)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    return canvas.get_renderer()  # type: ignore[no-untyped-call]


def _text_bbox(fig: Any) -> Any:
    """The bounding box (inches) of everything drawn, texts included."""
    return fig.get_tightbbox(_renderer(fig))


def fit(fig: Any) -> None:
    """Grow the figure where a text (a rotated tick label, a legend) would be cut off.

    The axes keep their size and place relative to each other; only the margins grow.
    """
    w, h = fig.get_size_inches()
    box = _text_bbox(fig)
    left, bottom = max(0.0, _PAD - box.x0), max(0.0, _PAD - box.y0)
    right, top = max(0.0, box.x1 - (w - _PAD)), max(0.0, box.y1 - (h - _PAD))
    if not (left or right or bottom or top):
        return
    new_w, new_h = w + left + right, h + bottom + top
    positions = [(ax, ax.get_position()) for ax in fig.axes]
    fig.set_size_inches(new_w, new_h)
    for ax, pos in positions:
        ax.set_position(
            [
                (pos.x0 * w + left) / new_w,
                (pos.y0 * h + bottom) / new_h,
                pos.width * w / new_w,
                pos.height * h / new_h,
            ]
        )


def overflowing(fig: Any) -> list[str]:
    """The texts of ``fig`` that reach outside the image (for tests; empty after :func:`fit`)."""
    renderer = _renderer(fig)
    fig.draw_without_rendering()  # lay the texts out at the figure's current size
    w, h = fig.get_size_inches()
    box = fig.get_tightbbox(renderer)  # what is drawn (ticks out of view are not)
    if box.x0 >= -0.01 and box.y0 >= -0.01 and box.x1 <= w + 0.01 and box.y1 <= h + 0.01:
        return []
    width, height = fig.bbox.width, fig.bbox.height
    out = []
    for text in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_window_extent")):
        if not text.get_visible() or not text.get_text():
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < -0.5 or box.y0 < -0.5 or box.x1 > width + 0.5 or box.y1 > height + 0.5:
            out.append(text.get_text())
    return out


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit(fig)
        fig.savefig(buf, format="png", dpi=_DPI)
    return buf.getvalue()


# --------------------------------------------------------------------------- drift


#: An outer bin (a tail to the smallest or largest value of either side) wider than this
#: share of the inner bins' span is drawn compressed to that width, its end labelled.
TAIL_SHARE: Final = 1.0


@dataclasses.dataclass(frozen=True)
class NumericAxis:
    """Where a numeric histogram's bins are drawn: the record's edges, long tails compressed.

    The range always covers every bin of both sides (the outer edges are the smallest and
    largest value seen in the reference *or* the current data), so data of one side lying
    entirely outside the other's range stays in view.
    """

    edges: tuple[float, ...]  #: where each edge is drawn
    xlim: tuple[float, float]  #: the plotted range (in drawn coordinates)
    ticks: tuple[float, ...]  #: tick positions (drawn coordinates)
    tick_labels: tuple[str, ...]  #: their labels (true values)
    compressed: tuple[bool, bool]  #: the left/right outer bin is not to scale
    xlabel: str  #: the axis label (says which tail is compressed)


def _tick(x: float) -> str:
    """A short tick label: ``0.25``, ``750``, ``20k``, ``231.7k``, ``1.5M``, ``3e+09``."""
    size = abs(x)
    if 1e4 <= size < 1e6:
        return f"{x / 1e3:.4g}k"
    if 1e6 <= size < 1e9:
        return f"{x / 1e6:.4g}M"
    return f"{x:.4g}"


def numeric_axis(edges: Sequence[float], *, tail_share: float = TAIL_SHARE) -> NumericAxis:
    """Lay out histogram ``edges`` (finite, increasing) on the x axis.

    Inner bins are drawn to scale. An outer bin wider than ``tail_share`` times the
    span of the inner bins (a long tail, or the other side's data far away) is drawn
    with that width instead, with a tick at its end showing the true value.
    """
    from matplotlib.ticker import MaxNLocator

    shown = [float(e) for e in edges]
    left = right = False
    if len(shown) >= 4:
        span = shown[-2] - shown[1]
        cap = tail_share * span if span > 0 else 0.0
        if cap > 0 and shown[1] - shown[0] > cap:
            shown[0], left = shown[1] - cap, True
        if cap > 0 and shown[-1] - shown[-2] > cap:
            shown[-1], right = shown[-2] + cap, True
    lo, hi = shown[0], shown[-1]
    body_lo = shown[1] if left else lo
    body_hi = shown[-2] if right else hi
    ticks = [
        float(t)
        for t in MaxNLocator(5).tick_values(body_lo, body_hi)
        if body_lo - 1e-9 * abs(body_lo) <= t <= body_hi + 1e-9 * abs(body_hi)
    ]
    labels = [_tick(t) for t in ticks]
    if left:
        ticks.insert(0, lo)
        labels.insert(0, _tick(edges[0]))
    if right:
        ticks.append(hi)
        labels.append(_tick(edges[-1]))
    notes = [side for side, on in (("left", left), ("right", right)) if on]
    xlabel = "value"
    if notes:
        xlabel += f" ({' and '.join(notes)} tail{'s' if len(notes) > 1 else ''} not to scale)"
    return NumericAxis(tuple(shown), (lo, hi), tuple(ticks), tuple(labels), (left, right), xlabel)


def _numeric_panel(ax: Any, hist: Mapping[str, Any]) -> None:
    edges = [_num(e) for e in hist.get("edges") or ()]
    ref = [_num(c) for c in hist.get("reference") or ()]
    cur = [_num(c) for c in hist.get("current") or ()]
    n_ref, n_cur = sum(ref) or 1.0, sum(cur) or 1.0
    ok = (
        len(edges) == len(ref) + 1 == len(cur) + 1
        and all(math.isfinite(e) for e in edges)
        and all(b - a > 0 for a, b in itertools.pairwise(edges))
    )
    if ok:
        axis = numeric_axis(edges)
        drawn = list(axis.edges)
        widths = [b - a for a, b in itertools.pairwise(drawn)]
        # densities over the drawn widths: each bin's area is its share of rows
        ref_d = [c / n_ref / w for c, w in zip(ref, widths, strict=True)]
        cur_d = [c / n_cur / w for c, w in zip(cur, widths, strict=True)]
        ax.stairs(ref_d, drawn, fill=True, alpha=0.35, color=REFERENCE, label="reference")
        ax.stairs(ref_d, drawn, color=REFERENCE, linewidth=1)
        ax.stairs(cur_d, drawn, color=CURRENT, linewidth=2, label="current")
        for on, at in zip(axis.compressed, (drawn[1], drawn[-2]), strict=True):
            if on:  # where the scale breaks
                ax.axvline(at, color="#9aa0a6", linestyle=":", linewidth=1)
        ax.set_xlim(*axis.xlim)
        ax.set_xticks(list(axis.ticks), list(axis.tick_labels))
        ax.set_ylabel("density")
        ax.set_xlabel(axis.xlabel)
        return
    # degenerate edges: plot the share of each bin over the bin's position
    xs = list(range(max(len(ref), len(cur))))
    _paired_bars(
        ax, xs[: len(ref)], [c / n_ref for c in ref], xs[: len(cur)], [c / n_cur for c in cur]
    )
    ax.set_ylabel("share of rows")
    ax.set_xlabel("value")


_BREAKS: Final = re.compile(r"(?<=[-_/])|(?= )")


def _wrap(name: str, width: int) -> list[str]:
    """Greedy lines of at most ``width`` characters, broken at spaces or after ``-_/``."""
    lines: list[str] = []
    line = ""
    for token in _BREAKS.split(name):
        if line and len(line) + len(token.rstrip()) > width:
            lines.append(line.rstrip())
            token = token.lstrip()
            line = ""
        line += token
    lines.append(line.rstrip())
    return lines


#: Longest category name on a tick before it is cut (with an ellipsis at the end).
MAX_TICK_CHARS: Final = 20
#: Average width of a character of a tick label, in inches (9 pt sans-serif).
_CHAR_IN: Final = 0.075


def category_ticks(names: Sequence[str], axes_width_in: float) -> tuple[list[str], float, str]:
    """``(labels, rotation, ha)`` for category tick labels that neither overlap nor get cut.

    Names stay horizontal when each fits under its bar on at most two lines (wrapped at
    spaces, hyphens and underscores); otherwise they are rotated (45 degrees, or 90 when
    the bars are narrow) and cut at :data:`MAX_TICK_CHARS` with an ellipsis at the end.
    """
    n = max(1, len(names))
    per_bar = max(1, int(axes_width_in / n / _CHAR_IN) - 1)
    wrapped = []
    for name in names:
        lines = _wrap(name, per_bar)
        if len(lines) > 2 or any(len(line) > per_bar for line in lines):
            break
        wrapped.append("\n".join(lines))
    else:
        return wrapped, 0.0, "center"
    short = [label(name, MAX_TICK_CHARS) for name in names]
    spacing_in = axes_width_in / n
    return short, (90.0 if spacing_in < 0.25 else 45.0), "right"


def _paired_bars(
    ax: Any,
    ref_x: Sequence[float],
    ref_share: Sequence[float],
    cur_x: Sequence[float],
    cur_share: Sequence[float],
) -> None:
    """Reference (left, light) and current (right) bars side by side at each position."""
    ax.bar(
        [x - 0.2 for x in ref_x],
        ref_share,
        width=0.4,
        color=REFERENCE,
        alpha=0.6,
        label="reference",
    )
    ax.bar([x + 0.2 for x in cur_x], cur_share, width=0.4, color=CURRENT, label="current")


def _set_category_ticks(
    ax: Any, xs: Sequence[float], names: Sequence[str], axes_width_in: float
) -> None:
    ticks, rotation, ha = category_ticks(names, axes_width_in)
    ax.set_xticks(
        list(xs),
        ticks,
        rotation=rotation,
        ha=ha if rotation != 90 else "center",
        va="top",
        rotation_mode="anchor" if rotation == 45 else "default",
    )


def _categorical_panel(ax: Any, hist: Mapping[str, Any], *, axes_width_in: float) -> None:
    labels = [label(v, 200) for v in hist.get("labels") or ()]
    ref = [_num(c) for c in hist.get("reference") or ()]
    cur = [_num(c) for c in hist.get("current") or ()]
    extra = [
        ("(other)", _num(hist.get("other_reference", 0)), _num(hist.get("other_current", 0))),
        ("(unseen)", 0.0, _num(hist.get("unseen_current", 0))),
        ("(missing)", _num(hist.get("missing_reference", 0)), _num(hist.get("missing_current", 0))),
    ]
    for name, r, c in extra:
        if r > 0 or c > 0:
            labels.append(name)
            ref.append(r)
            cur.append(c)
    n = min(len(labels), len(ref), len(cur))
    labels, ref, cur = labels[:n], ref[:n], cur[:n]
    total_r, total_c = sum(ref) or 1.0, sum(cur) or 1.0
    xs = list(range(n))
    _paired_bars(ax, xs, [r / total_r for r in ref], xs, [c / total_c for c in cur])
    _set_category_ticks(ax, list(xs), labels, axes_width_in)
    ax.set_ylabel("share of rows")
    ax.set_xlabel("category")


def drift_histograms(
    panels: Sequence[tuple[str, Mapping[str, Any]]], *, ncols: int = 3
) -> list[bytes]:
    """Reference vs current distribution of each ``(title, histogram)`` panel.

    Numeric columns are drawn as densities over the record's bins (the bins are
    reference quantiles, so their widths differ; the y axis has no numbers because the
    shapes are what to compare), categorical ones as the share of rows per category, with
    pooled (other), (unseen) and (missing) bars when present. Returns one PNG for the
    numeric panels and one for the categorical panels (those that exist), each a grid.
    """
    numeric = [
        (t, p) for t, p in panels if p.get("kind") != "categorical" and p.get("labels") is None
    ]
    categorical = [(t, p) for t, p in panels if (t, p) not in numeric]
    out = []
    if numeric:
        out.append(_histogram_grid(numeric, ncols=ncols, categorical=False))
    if categorical:
        out.append(_histogram_grid(categorical, ncols=ncols, categorical=True))
    return out


def _histogram_grid(
    panels: Sequence[tuple[str, Mapping[str, Any]]], *, ncols: int, categorical: bool
) -> bytes:
    from matplotlib.ticker import MaxNLocator

    n = len(panels)
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    row_h, bottom, hspace = (3.6, 1.2, 0.85) if categorical else (2.7, 0.6, 0.6)
    wspace = 0.4 if categorical else 0.3
    width = 4.2 * ncols
    with _figure(
        width, row_h * nrows, bottom=bottom, hspace=hspace, wspace=wspace, left=0.6
    ) as fig:
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for i, (title, hist) in enumerate(panels):
            ax = axes[i // ncols][i % ncols]
            if categorical:
                axes_width_in = ax.get_position().width * width
                _categorical_panel(ax, hist, axes_width_in=axes_width_in)
                ax.yaxis.set_major_locator(MaxNLocator(4))
            else:
                _numeric_panel(ax, hist)
                if ax.get_ylabel() == "density":
                    ax.tick_params(axis="y", left=False, labelleft=False)
                else:
                    ax.yaxis.set_major_locator(MaxNLocator(4))
            ax.set_title(label(title, 48), loc="left")
            if i == 0:
                ax.legend(frameon=False)
        for j in range(n, nrows * ncols):
            axes[j // ncols][j % ncols].set_visible(False)
        return _png(fig)


# --------------------------------------------------------------------------- labels


def class_rates(
    classes: Sequence[str],
    rates: Sequence[float],
    limits: Sequence[float | None],
    *,
    overall_limit: float | None,
) -> bytes:
    """Share of flagged rows per class, with the per-class and overall limits."""
    n = len(classes)
    rotated = n > 6
    width = max(4.5, min(12.0, 0.55 * n + 2.5))
    with _figure(
        width,
        3.4 if rotated else 3.0,
        bottom=1.1 if rotated else 0.55,
    ) as fig:
        ax = fig.subplots()
        xs = list(range(n))
        colors = [
            LIMIT if (lim is not None and r > lim) else REFERENCE
            for r, lim in zip(rates, limits, strict=True)
        ]
        ax.bar(xs, [100 * r for r in rates], color=colors, width=0.6)
        first = True
        for x, lim in zip(xs, limits, strict=True):
            if lim is not None:
                ax.hlines(
                    100 * lim,
                    x - 0.42,
                    x + 0.42,
                    colors="#202124",
                    linewidth=2.5,
                    label="class limit" if first else None,
                )
                first = False
        if overall_limit is not None:
            ax.axhline(
                100 * overall_limit,
                color=LIMIT,
                linestyle="--",
                linewidth=1,
                label=f"overall limit {100 * overall_limit:.3g}%",
            )
        if overall_limit is not None or not first:
            ax.legend(frameon=False)
        names = [label(c, 200) for c in classes]
        _set_category_ticks(ax, xs, names, ax.get_position().width * width)
        ax.set_xlabel("given label")
        ax.set_ylabel("rows flagged (%)")
        ax.set_title("Suspected label issues per class", loc="left")
        return _png(fig)


# --------------------------------------------------------------------------- load


def load_timeline(
    series: Sequence[Mapping[str, Any]],
    *,
    p95_limit: float | None = None,
    min_rps: float | None = None,
    probes: Sequence[Mapping[str, Any]] = (),
) -> bytes:
    """Latency percentiles (top) and throughput with users (bottom) over the run."""
    t = [_num(p.get("t_s")) for p in series]
    width = [_num(p.get("width_s", 1.0)) for p in series]
    mid = [a + (w / 2 if math.isfinite(w) else 0) for a, w in zip(t, width, strict=True)]
    p50 = [_num(p.get("p50_ms")) for p in series]
    p95 = [_num(p.get("p95_ms")) for p in series]
    reqs = [_num(p.get("requests")) for p in series]
    fails = [_num(p.get("failures")) for p in series]
    users = [_num(p.get("users")) for p in series]
    rps = [r / w if w > 0 else math.nan for r, w in zip(reqs, width, strict=True)]
    fps = [f / w if w > 0 else math.nan for f, w in zip(fails, width, strict=True)]
    with _figure(11.0, 5.6, right=0.75, hspace=0.45) as fig:
        top, bottom = fig.subplots(2, 1, sharex=True)
        top.plot(mid, p50, color=REFERENCE, marker=".", label="p50")
        top.plot(mid, p95, color=CURRENT, marker=".", label="p95")
        if probes:
            pt = [_num(p.get("t_s")) for p in probes]
            pl = [_num(p.get("latency_ms")) for p in probes]
            top.plot(
                pt,
                pl,
                color=SECOND,
                linestyle="none",
                marker="x",
                markersize=4,
                label="health probe",
            )
        if p95_limit is not None:
            top.axhline(
                p95_limit,
                color=LIMIT,
                linestyle="--",
                linewidth=1,
                label=f"p95 limit {p95_limit:g} ms",
            )
        top.set_ylabel("latency (ms)")
        top.set_title("Latency over time", loc="left")
        top.legend(frameon=False, ncols=4, loc="lower right", bbox_to_anchor=(1.0, 1.0))
        bottom.plot(mid, rps, color=REFERENCE, marker=".", label="requests/s")
        if any(f > 0 for f in fps if math.isfinite(f)):
            bottom.plot(mid, fps, color=LIMIT, marker=".", label="failures/s")
        if min_rps is not None:
            bottom.axhline(
                min_rps, color=LIMIT, linestyle="--", linewidth=1, label=f"min {min_rps:g} rps"
            )
        top.set_ylim(bottom=0)
        bottom.set_ylim(bottom=0)
        bottom.set_ylabel("requests per second")
        bottom.set_xlabel("seconds since the test started")
        twin = bottom.twinx()
        twin.step(mid, users, where="mid", color=SECOND, alpha=0.6, label="users")
        twin.set_ylabel("users", color=SECOND)
        twin.set_ylim(bottom=0)
        twin.spines["right"].set_visible(True)
        h1, l1 = bottom.get_legend_handles_labels()
        h2, l2 = twin.get_legend_handles_labels()
        bottom.legend(
            h1 + h2, l1 + l2, frameon=False, ncols=4, loc="lower right", bbox_to_anchor=(1.0, 1.0)
        )
        bottom.set_title("Throughput over time", loc="left")
        return _png(fig)


def capacity_curve(
    steps: Sequence[Mapping[str, Any]],
    *,
    knee_users: float | None,
    p95_limit: float | None,
    held: Sequence[bool],
) -> bytes:
    """Throughput (left) and p95 latency (right) per step of users, the knee marked."""
    users = [_num(s.get("users")) for s in steps]
    dur = [_num(s.get("duration_s")) for s in steps]
    rps = [
        _num(s.get("requests")) / d if d > 0 else math.nan for s, d in zip(steps, dur, strict=True)
    ]
    p95 = [_num(s.get("p95_ms")) for s in steps]
    with _figure(11.0, 3.4, wspace=0.25) as fig:
        left, right = fig.subplots(1, 2)
        left.plot(users, rps, color=REFERENCE, marker="o", label="throughput")
        right.plot(users, p95, color=CURRENT, marker="o", label="p95 latency")
        broke = [i for i, h in enumerate(held) if not h]
        if broke:
            left.plot(
                [users[i] for i in broke],
                [rps[i] for i in broke],
                linestyle="none",
                marker="o",
                color=LIMIT,
                label="step broke the SLO",
            )
            right.plot(
                [users[i] for i in broke],
                [p95[i] for i in broke],
                linestyle="none",
                marker="o",
                color=LIMIT,
                label="step broke the SLO",
            )
        if knee_users is not None and knee_users in users:
            k = users.index(knee_users)
            for ax, ys in ((left, rps), (right, p95)):
                ax.axvline(knee_users, color=SECOND, linestyle=":", linewidth=1.5)
                ax.plot(
                    [knee_users],
                    [ys[k]],
                    marker="*",
                    markersize=14,
                    color=SECOND,
                    linestyle="none",
                    label=f"knee ({knee_users:g} users)",
                )
        if p95_limit is not None:
            right.axhline(
                p95_limit,
                color=LIMIT,
                linestyle="--",
                linewidth=1,
                label=f"p95 limit {p95_limit:g} ms",
            )
        left.set_ylim(bottom=0)
        right.set_ylim(bottom=0)
        left.set_xlabel("concurrent users")
        left.set_ylabel("requests per second")
        left.set_title("Capacity curve", loc="left")
        right.set_xlabel("concurrent users")
        right.set_ylabel("p95 latency (ms)")
        right.set_title("Latency per step", loc="left")
        left.legend(frameon=False)
        right.legend(frameon=False)
        return _png(fig)
