"""The report section of a performance estimate: one record entry of kind ``performance``.

The calibration test of the reference first (the estimate rests on it), then every
metric's estimate, interval, reference value and realised value (when labels were given).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_mlaudit.report import _html as h
from pytest_mlaudit.report.sections._common import (
    Section,
    _dict,
    _dicts,
    _list,
    _notes,
    _num,
    _opt,
    _result,
    _title,
)

__all__ = ["advice", "render"]


def _metric(r: Mapping[str, Any]) -> dict[str, Any]:
    name = r.get("metric")
    for e in _dicts(r.get("estimates")):
        if e.get("metric") == name:
            return e
    return {}


def render(entry: dict[str, Any]) -> Section:
    """Calibration, then a table of the estimates (the verdict's metric marked)."""
    r = _result(entry)
    c = _dict(r.get("calibration"))
    section = Section().html(_title(entry, "performance without labels"))
    calibrated = bool(c.get("calibrated", True))
    section.html(
        h.tag(
            "p",
            f"Estimated on {h.plural(r.get('n_current', 0), 'unlabelled row')} from the "
            f"model's probabilities, calibrated ({h.visible(str(c.get('method', 'none')))}) on "
            f"{h.plural(r.get('n_reference', 0), 'reference row')}; intervals at "
            f"{_num(r.get('confidence')) * 100:.0f}% from {r.get('n_simulations', '?')} "
            "simulated labelings. Calibration: Hosmer-Lemeshow p = ",
            h.number(_opt(c.get("pvalue"))),
            ", ECE = ",
            h.number(_opt(c.get("ece"))),
            " (max ",
            h.number(_opt(c.get("max_ece"))),
            ") ",
            h.badge("ok", "pass") if calibrated else h.badge("MISCALIBRATED", "fail"),
        )
    )
    rows, levels = [], []
    floor = _opt(r.get("floor"))
    for e in _dicts(r.get("estimates")):
        main = e.get("metric") == r.get("metric")
        inside = e.get("inside")
        rows.append(
            [
                h.name(f"{e.get('metric', '?')}{' (verdict)' if main else ''}"),
                _opt(e.get("estimate")),
                _opt(e.get("lower")),
                _opt(e.get("upper")),
                _opt(e.get("reference")),
                _opt(e.get("realised")),
                "-" if inside is None else ("yes" if inside else "no"),
                _opt(floor) if main else None,
            ]
        )
        below = main and floor is not None and _num(e.get("estimate")) < floor
        levels.append("fail" if below else None)
    section.html(
        h.table(
            ["metric", "estimate", "lower", "upper", "reference", "realised", "inside", "floor"],
            rows,
            numeric=[1, 2, 3, 4, 5, 7],
            row_levels=levels,
        )
    )
    if _list(c.get("mean_predicted")):
        section.html(
            h.table(
                ["bin", "mean predicted", "observed rate", "rows"],
                [
                    [i + 1, _opt(p), _opt(o), n]
                    for i, (p, o, n) in enumerate(
                        zip(
                            _list(c.get("mean_predicted")),
                            _list(c.get("mean_observed")),
                            _list(c.get("counts")),
                            strict=False,
                        )
                    )
                ],
                numeric=[0, 1, 2, 3],
                caption="reliability of the reference's probabilities",
            )
        )
    return section.extend(_notes(r.get("notes")))


def advice(entry: Mapping[str, Any]) -> str:
    """Recalibrate, or act on the estimated drop before the labels confirm it."""
    r = _result(entry)
    c = _dict(r.get("calibration"))
    if not c.get("calibrated", True):
        return (
            "The reference's probabilities are miscalibrated (ECE "
            f"{_num(c.get('ece')):.3f}), so the estimate cannot be trusted: recalibrate the "
            "model, or pass calibrate=True to calibrate it on the reference."
        )
    e = _metric(r)
    return (
        f"The estimated {h.visible(str(r.get('metric', '?')))} is "
        f"{_num(e.get('estimate')):.3f} against {_num(e.get('reference')):.3f} on the "
        "reference: the drift costs performance. Retrain on recent data, or confirm with "
        "labels as they arrive (y_current=)."
    )
