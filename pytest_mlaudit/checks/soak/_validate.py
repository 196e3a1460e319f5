"""Input validation of :func:`~pytest_mlaudit.checks.soak.run_soak`, apart from the maths."""

from __future__ import annotations

from pytest_mlaudit._validation import check_float, check_fraction, check_int
from pytest_mlaudit.checks.load._validate import MAX_USERS, check_run_time
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["SoakPlan", "check_plan"]


class SoakPlan:
    """The validated numbers of a soak."""

    __slots__ = (
        "burst_error_rate",
        "duration_s",
        "max_error_bursts",
        "user_rps",
        "users",
        "warmup_s",
    )

    def __init__(
        self,
        duration_s: int,
        warmup_s: float,
        users: int,
        user_rps: float,
        max_error_bursts: int,
        burst_error_rate: float,
    ) -> None:
        self.duration_s = duration_s
        self.warmup_s = warmup_s
        self.users = users
        self.user_rps = user_rps
        self.max_error_bursts = max_error_bursts
        self.burst_error_rate = burst_error_rate


def check_plan(
    *,
    rps: object,
    duration: object,
    users: object,
    warmup: object,
    max_error_bursts: object,
    burst_error_rate: object,
    allowances: dict[str, object],
) -> SoakPlan:
    total = check_float("rps", rps, low=0.0, low_open=True, hint="rps is the steady rate to hold.")
    seconds = check_run_time(duration, argument="duration")
    if seconds < 3:
        raise MlauditInputError(
            f"duration must be at least 3 s (a trend needs points); got duration={duration!r}."
        )
    n_users = check_int("users", users, minimum=1, maximum=MAX_USERS)
    if warmup is None:
        warm = min(max(0.1 * seconds, 1.0), 300.0)
    else:
        warm = check_float("warmup", warmup, low=0.0)
        if warm >= 0.8 * seconds:
            raise MlauditInputError(
                f"warmup must leave most of the soak to measure (< 80% of duration={seconds} "
                f"s); got warmup={warmup!r}."
            )
    for name, value in allowances.items():
        if value is not None:
            check_float(name, value, low=0.0, hint=f"{name} is the growth tolerated over the run.")
    return SoakPlan(
        duration_s=seconds,
        warmup_s=float(warm),
        users=n_users,
        user_rps=total / n_users,
        max_error_bursts=check_int("max_error_bursts", max_error_bursts, minimum=0),
        burst_error_rate=check_fraction("burst_error_rate", burst_error_rate),
    )
