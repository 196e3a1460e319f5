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


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.savefig(buf, format="png", dpi=_DPI)
    return buf.getvalue()


# --------------------------------------------------------------------------- drift


def _numeric_panel(ax: Any, hist: Mapping[str, Any]) -> None:
    edges = [_num(e) for e in hist.get("edges") or ()]
    ref = [_num(c) for c in hist.get("reference") or ()]
    cur = [_num(c) for c in hist.get("current") or ()]
    n_ref, n_cur = sum(ref) or 1.0, sum(cur) or 1.0
    widths = [b - a for a, b in itertools.pairwise(edges)]
    ok = (
        len(edges) == len(ref) + 1 == len(cur) + 1
        and all(math.isfinite(e) for e in edges)
        and all(w > 0 for w in widths)
    )
    if ok:
        ref_d = [c / n_ref / w for c, w in zip(ref, widths, strict=True)]
        cur_d = [c / n_cur / w for c, w in zip(cur, widths, strict=True)]
        ax.stairs(ref_d, edges, fill=True, alpha=0.35, color=REFERENCE, label="reference")
        ax.stairs(ref_d, edges, color=REFERENCE, linewidth=1)
        ax.stairs(cur_d, edges, color=CURRENT, linewidth=2, label="current")
        ax.set_ylabel("density")
        if len(edges) > 3:  # the outer bins reach the extremes: show the body, not the tails
            lo, hi = edges[1], edges[-2]
            pad = 0.1 * (hi - lo)
            ax.set_xlim(max(edges[0], lo - pad), min(edges[-1], hi + pad))
    else:  # degenerate edges: plot the share of each bin over the bin's position
        xs = list(range(max(len(ref), len(cur))))
        ax.bar(
            [x - 0.2 for x in xs[: len(ref)]],
            [c / n_ref for c in ref],
            width=0.4,
            color=REFERENCE,
            alpha=0.6,
            label="reference",
        )
        ax.bar(
            [x + 0.2 for x in xs[: len(cur)]],
            [c / n_cur for c in cur],
            width=0.4,
            color=CURRENT,
            label="current",
        )
        ax.set_ylabel("share of rows")
    ax.set_xlabel("value")


def _categorical_panel(ax: Any, hist: Mapping[str, Any]) -> None:
    labels = [label(v, 12) for v in hist.get("labels") or ()]
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
    xs = range(n)
    ax.bar(
        [x - 0.2 for x in xs],
        [r / total_r for r in ref],
        width=0.4,
        color=REFERENCE,
        alpha=0.6,
        label="reference",
    )
    ax.bar(
        [x + 0.2 for x in xs], [c / total_c for c in cur], width=0.4, color=CURRENT, label="current"
    )
    ax.set_xticks(
        list(xs),
        labels,
        rotation=35 if n > 4 else 0,
        ha="right" if n > 4 else "center",
        rotation_mode="anchor",
    )
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
    row_h, bottom, hspace = (3.6, 1.2, 0.85) if categorical else (2.7, 0.55, 0.55)
    with _figure(4.2 * ncols, row_h * nrows, bottom=bottom, hspace=hspace, left=0.6) as fig:
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for i, (title, hist) in enumerate(panels):
            ax = axes[i // ncols][i % ncols]
            if categorical:
                _categorical_panel(ax, hist)
                ax.yaxis.set_major_locator(MaxNLocator(4))
            else:
                _numeric_panel(ax, hist)
                ax.xaxis.set_major_locator(MaxNLocator(5))
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
    with _figure(
        max(4.5, min(12.0, 0.55 * n + 2.5)),
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
        ax.set_xticks(
            xs,
            [label(c, 14) for c in classes],
            rotation=45 if n > 6 else 0,
            ha="right" if n > 6 else "center",
        )
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
