"""What the plan costs: replicas x (vCPU x price + GiB x price), per hour and per million
predictions, at the target peak and for other headrooms.

Prices come from flags or a small TOML file (no network)::

    # prices.toml
    vcpu_hour = 0.0405   # price of one vCPU for one hour
    gib_hour = 0.00445   # price of one GiB of memory for one hour
    currency = "USD"

A replica is billed for what it reserves: its CPU and memory *requests* (what the
scheduler sets aside for it). Cost per million predictions is the hourly cost at the
target peak divided by the predictions served in that hour (``target_rps x 3600``).
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from pathlib import Path

from pytest_mlaudit._validation import check_float
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["HEADROOMS", "CostRow", "Prices", "cost_rows", "load_prices", "replicas_for"]

#: Headrooms the cost table always shows (beside the plan's own).
HEADROOMS: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.5, 1.0)


@dataclasses.dataclass(frozen=True, slots=True)
class Prices:
    """Prices per vCPU-hour and per GiB-hour."""

    vcpu_hour: float
    gib_hour: float
    currency: str = "USD"
    source: str = "flags"  #: where they came from (a file name, or "flags")

    def __post_init__(self) -> None:
        object.__setattr__(self, "vcpu_hour", check_float("vcpu_hour", self.vcpu_hour, low=0.0))
        object.__setattr__(self, "gib_hour", check_float("gib_hour", self.gib_hour, low=0.0))


def load_prices(path: str | os.PathLike[str]) -> Prices:
    """Read ``vcpu_hour``, ``gib_hour`` (and ``currency``) from a TOML file."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise MlauditInputError(
            f"prices={os.fspath(path)!r} cannot be read as TOML ({exc}); write "
            "vcpu_hour = 0.04 and gib_hour = 0.004 in it."
        ) from None
    missing = [k for k in ("vcpu_hour", "gib_hour") if k not in data]
    if missing:
        raise MlauditInputError(
            f"prices={os.fspath(path)!r} lacks {', '.join(missing)}; it needs vcpu_hour and "
            "gib_hour (prices per vCPU-hour and per GiB-hour)."
        )
    return Prices(
        vcpu_hour=data["vcpu_hour"],
        gib_hour=data["gib_hour"],
        currency=str(data.get("currency", "USD")),
        source=p.name,
    )


def replicas_for(target_rps: float, headroom: float, knee_rps: float) -> int:
    """``ceil(target_rps x (1 + headroom) / knee_rps)``, at least 1.

    >>> replicas_for(500, 0.3, 120.0)
    6
    """
    return max(1, math.ceil(target_rps * (1 + headroom) / knee_rps - 1e-9))


@dataclasses.dataclass(frozen=True, slots=True)
class CostRow:
    """The cost of one headroom."""

    headroom: float
    replicas: int
    per_hour: float
    per_million: float  #: per million predictions at the target peak


def cost_rows(
    prices: Prices,
    *,
    target_rps: float,
    knee_rps: float,
    cpu_cores: float,
    memory_mib: float,
    headrooms: tuple[float, ...] = HEADROOMS,
) -> tuple[CostRow, ...]:
    """The cost at the target peak for each headroom (sorted, without repeats)."""
    replica_hour = cpu_cores * prices.vcpu_hour + memory_mib / 1024.0 * prices.gib_hour
    rows = []
    for h in sorted(set(headrooms)):
        n = replicas_for(target_rps, h, knee_rps)
        per_hour = n * replica_hour
        rows.append(
            CostRow(
                headroom=h,
                replicas=n,
                per_hour=round(per_hour, 6),
                per_million=round(per_hour / (target_rps * 3600.0) * 1e6, 6),
            )
        )
    return tuple(rows)
