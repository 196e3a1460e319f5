"""Finding and minimising counterexamples: hypothesis for generated records, a greedy
pass for real rows.

Generated records are found in two deterministic steps with :func:`hypothesis.find`
and ``random=Random(seed)``:

1. *explore*: draw ``max_examples`` records (the condition never holds, so hypothesis
   runs its full generation budget) and check them in one batch;
2. *shrink*: for each problem found, run ``find`` again with the same seed and the
   condition "this record alone shows the problem". Generation replays step 1 up to
   the first such record, then hypothesis shrinks it to a minimal one.

The same seed therefore gives the same counterexamples. Shrinking stops after a budget
of pipeline calls; results seen before are replayed from a cache, so hypothesis never
sees an inconsistent answer.

Real rows cannot be shrunk by hypothesis (they were not generated), so a failing row
is simplified greedily instead: each field is set to the column's typical value in
turn, and kept there when the problem persists.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final

from hypothesis import HealthCheck, Phase, Verbosity, find, settings
from hypothesis.errors import (
    Flaky,
    HypothesisException,
    InvalidArgument,
    NoSuchExample,
    Unsatisfiable,
)
from hypothesis.strategies import SearchStrategy

from pytest_mlaudit.checks.parity.engine import Engine, Target
from pytest_mlaudit.checks.parity.frames import short_repr
from pytest_mlaudit.errors import MlauditInputError

__all__ = ["explore", "search_settings", "shrink", "simplify_row"]

#: Most pipeline calls spent shrinking one counterexample after it was found.
SHRINK_BUDGET: Final = 200


@contextlib.contextmanager
def _without_local_constants() -> Iterator[None]:
    """Hide the constants hypothesis collects from the *source of imported local modules*.

    Hypothesis (>= 6.131) draws about one value in twenty from literals found in the
    user's own loaded modules, so what it generates depends on which modules happen to be
    imported (``pytest -k`` changes that). A parity check promises that a seed gives the
    same counterexample anywhere, so while it searches, the pool of local constants is
    empty (and a private constants cache is used). This touches hypothesis internals;
    on a version without them it does nothing.
    """
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants

        saved_get = providers._get_local_constants
        saved_cache = providers.CONSTANTS_CACHE
        empty = Constants()
        fresh = type(saved_cache)(1024)
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - other versions
        yield
        return
    providers._get_local_constants = lambda *args, **kwargs: empty
    providers.CONSTANTS_CACHE = fresh
    try:
        yield
    finally:
        providers._get_local_constants = saved_get
        providers.CONSTANTS_CACHE = saved_cache


def search_settings(max_examples: int) -> settings:
    """Settings independent of the user's hypothesis profile: no database, no deadline,
    no health checks, quiet, randomness from the seed only."""
    return settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=(Phase.generate, Phase.shrink),
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
    )


def explore(strategy: SearchStrategy[Any], *, max_examples: int, seed: int) -> list[dict[str, Any]]:
    """Up to ``max_examples`` records drawn deterministically from ``strategy``."""
    records: list[dict[str, Any]] = []
    bad: list[Any] = []

    def collect(value: Any) -> bool:
        if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
            records.append(dict(value))
        elif not bad:
            bad.append(value)
        return False

    try:
        with _without_local_constants():
            find(
                strategy,
                collect,
                settings=search_settings(max_examples),
                random=random.Random(seed),
            )
    except NoSuchExample:
        pass
    except Unsatisfiable as exc:
        raise MlauditInputError(
            "the inputs strategy could not generate any record "
            f"({str(exc).splitlines()[0]}). Loosen its filters or assume() calls, or build "
            "it with pytest_mlaudit.strategies.rows_like(sample_df)."
        ) from None
    except InvalidArgument as exc:
        raise MlauditInputError(f"the inputs strategy is invalid: {exc}") from None
    except HypothesisException as exc:  # pragma: no cover - defensive
        raise MlauditInputError(f"the inputs strategy failed: {exc}") from None
    if bad:
        raise MlauditInputError(
            "the inputs strategy must generate raw records (dict of field name -> value); "
            f"it generated {type(bad[0]).__name__}: {short_repr(bad[0], 120)}. Build one with "
            "st.fixed_dictionaries({...}) or pytest_mlaudit.strategies.rows_like(sample_df)."
        )
    if not records:
        raise MlauditInputError(
            "the inputs strategy generated no records; check that it can produce a dict."
        )
    return records


def shrink(
    engine: Engine,
    strategy: SearchStrategy[Any],
    target: Target,
    *,
    max_examples: int,
    seed: int,
    passed: Iterable[Mapping[str, Any]] = (),
    budget: int = SHRINK_BUDGET,
) -> dict[str, Any] | None:
    """The minimal generated record that alone shows ``target``, or None if no record
    does within ``max_examples``.

    ``passed`` are records the explore batch already judged free of ``target``: the
    replay of generation answers them from the cache instead of running the pipelines.
    """
    cache: dict[str, bool] = {repr(r): False for r in passed}
    spent = [0]
    found = [False]

    def condition(value: Any) -> bool:
        if not isinstance(value, Mapping):
            return False
        key = repr(value)
        if key in cache:
            return cache[key]
        if found[0]:
            if spent[0] >= budget:
                return False
            spent[0] += 1
        result = engine.fails(dict(value), target)
        cache[key] = result
        found[0] = found[0] or result
        return result

    try:
        with _without_local_constants():
            minimal = find(
                strategy,
                condition,
                settings=search_settings(max_examples),
                random=random.Random(seed),
            )
    except (NoSuchExample, Unsatisfiable, Flaky):
        return None
    return dict(minimal)


def simplify_row(
    record: Mapping[str, Any],
    typical: Mapping[str, Any],
    still_fails: Callable[[dict[str, Any]], bool],
) -> tuple[dict[str, Any], bool]:
    """Set each field of a failing real row to its typical value while the problem
    persists; returns the simplified record and whether any field changed."""
    current = dict(record)
    changed = False
    for name, value in typical.items():
        if name not in current or _same(current[name], value):
            continue
        trial = dict(current)
        trial[name] = value
        if still_fails(trial):
            current = trial
            changed = True
    return current, changed


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:
        return False
