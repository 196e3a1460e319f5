"""Code the concurrency test runs in separate processes (light imports: no numpy)."""

from __future__ import annotations

from typing import Any

from pytest_mlaudit.history import HistoryStore
from tests.history.records import drift_entry, gate_entry, record


def append_many(path: str, worker: int, count: int, barrier: Any) -> None:
    store = HistoryStore(path, timeout=120)
    barrier.wait()  # start together
    for i in range(count):
        entries = [
            drift_entry(psi={"income": worker / 100, "age": i / 1000}),
            gate_entry(candidate=0.8 + i / 1000),
        ]
        created = f"2025-01-01T{worker:02d}:{i // 60:02d}:{i % 60:02d}+00:00"
        store.append(record(created, entries, tag=f"w{worker}-{i}"))
