"""Promotion and rollback through MLflow registry aliases, decided by audit records.

:func:`promote` moves an alias (``champion``) to the version behind another
(``challenger``) only when the audit records passed **and** hold a passing gate entry
that compared *that version* (the gate records the version each URI resolved to, see
:class:`~pytest_mlaudit.checks.gate.report.ModelSource`). It tags the version with the
verdicts and the alias's previous holder, so :func:`rollback` can find its way back.

:func:`rollback` reads a post-deploy audit: when it passed, the alias's holder is tagged
``mlaudit.post_deploy=passed`` and kept; when it failed (or without a record), the alias
moves to the version whose post-deploy audit passed most recently, else to the holder
before it.

Tags written on model versions (all strings):

=================================  ==========================================================
``mlaudit.audit``                  ``passed`` / ``failed``: the audit of the promotion record
``mlaudit.gate``                   ``passed`` / ``failed``: its gate entries for this version
``mlaudit.record``                 the record file(s) that decided
``mlaudit.<alias>.promoted_at``    ISO time the alias moved here
``mlaudit.<alias>.previous``       the version that held the alias before (``""``: none)
``mlaudit.post_deploy``            ``passed`` / ``failed``: the last post-deploy audit
``mlaudit.post_deploy_at``         its time; ``mlaudit.post_deploy_record`` its file
``mlaudit.<alias>.rolled_back_at`` when the alias was taken away from this version (and
                                   ``mlaudit.<alias>.rolled_back_to`` where it went)
=================================  ==========================================================
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pytest_mlaudit.integrations.mlflow import registry as reg
from pytest_mlaudit.record import AuditRecord, CheckEntry, read_record

__all__ = [
    "POST_DEPLOY",
    "PromotionResult",
    "RollbackResult",
    "audit_problems",
    "gate_problems",
    "promote",
    "rollback",
]

#: the tag of the post-deploy audit's verdict
POST_DEPLOY = "mlaudit.post_deploy"


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _tag(alias: str, what: str) -> str:
    return f"mlaudit.{alias}.{what}"


def audit_problems(record: AuditRecord, path: str) -> list[str]:
    """Why the record's audit did not pass (empty when it passed).

    Passed means: it holds at least one check, none failed (a failing check of an
    ``xfail`` test is expected), no marked test errored, and pytest exited with 0.
    """
    s = record.summary
    out: list[str] = []
    if not record.checks:
        out.append(f"{path}: the record holds no checks")
    failed = [c.name or c.nodeid for c in record.checks if not c.passed and c.outcome != "xfailed"]
    if failed:
        shown = ", ".join(failed[:3]) + (f" (+{len(failed) - 3} more)" if len(failed) > 3 else "")
        out.append(f"{path}: {len(failed)} check(s) failed: {shown}")
    errors = [t.nodeid for t in record.tests if t.outcome == "error"] or (
        [f"{s.get('errors')} test(s)"] if s.get("errors") else []
    )
    if errors:
        out.append(f"{path}: marked test(s) errored: {', '.join(errors[:3])}")
    status = record.run.get("exitstatus")
    if isinstance(status, int) and status != 0 and not failed and not errors:
        out.append(f"{path}: pytest exited with status {status} (a test failed or the run stopped)")
    return out


def _source(entry: CheckEntry, side: str) -> Mapping[str, Any]:
    src = entry.result.get(f"{side}_source")
    return src if isinstance(src, Mapping) else {}


def _compared(entry: CheckEntry, name: str, version: str) -> bool:
    src = _source(entry, "candidate")
    return src.get("name") == name and str(src.get("version")) == version


def gate_problems(
    records: Sequence[tuple[str, AuditRecord]], name: str, version: str, holder: str | None
) -> tuple[list[str], int]:
    """Why the records' gates do not approve ``name`` version ``version`` replacing
    ``holder`` (the alias's current version): ``(problems, matching entries)``."""
    entries = [(p, c) for p, r in records for c in r.checks if c.kind == "gate"]
    matching = [(p, c) for p, c in entries if _compared(c, name, version)]
    if not matching:
        seen = sorted(
            {
                f"{src.get('name')} version {src.get('version')}"
                for _, c in entries
                if (src := _source(c, "candidate")).get("version") is not None
            }
        )
        what = (
            f"its gates compared {', '.join(seen)}"
            if seen
            else f"its {len(entries)} gate check(s) compared no registry version"
            if entries
            else "it holds no gate check"
        )
        return [
            f"no gate in the record compared {name} version {version} ({what}); run the gate "
            f"with candidate='models:/{name}/{version}' (or its alias) and pass that record"
        ], 0
    out: list[str] = []
    for path, c in matching:
        label = c.name or c.nodeid or "(outside pytest)"
        if not c.passed:
            out.append(f"{path}: the gate failed for version {version} in {label}: {c.brief}")
            continue
        base = _source(c, "baseline")
        if holder is not None and base.get("name") == name and base.get("version") is not None:
            if str(base["version"]) != holder:
                out.append(
                    f"{path}: {label} compared version {version} with version "
                    f"{base['version']}, but the alias now points to version {holder}: "
                    "run the gate again against the current holder"
                )
    return out, len(matching)


PromotionStatus = Literal["promoted", "unchanged", "refused", "would promote"]


@dataclasses.dataclass(frozen=True, slots=True)
class PromotionResult:
    """What :func:`promote` did."""

    model: str
    alias: str  #: the alias moved (``--to``)
    source: str  #: what named the candidate (``--from``: an alias or a version)
    version: str | None  #: the candidate's version (None: ``--from`` names none)
    previous: str | None  #: the alias's holder before
    status: PromotionStatus
    reasons: tuple[str, ...]  #: why it was refused (empty otherwise)
    tags: dict[str, str]  #: the tags written on the candidate's version

    @property
    def ok(self) -> bool:
        return self.status != "refused"

    def summary(self) -> str:
        v = f"version {self.version}" if self.version else f"{self.source!r}"
        before = f" (was version {self.previous})" if self.previous else " (it was not set)"
        if self.status == "promoted":
            return f"promoted {self.model} {v} to @{self.alias}{before}"
        if self.status == "would promote":
            return f"would promote {self.model} {v} to @{self.alias}{before} (dry run)"
        if self.status == "unchanged":
            return f"{self.model} @{self.alias} already points to {v}; nothing to do"
        lines = [f"refused: {self.model} {v} stays off @{self.alias}{before}"]
        return "\n".join([*lines, *(f"- {r}" for r in self.reasons)])

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "reasons": list(self.reasons), "ok": self.ok}


def _read(paths: Sequence[str]) -> list[tuple[str, AuditRecord]]:
    return [(str(p), read_record(p)) for p in paths]


def _version_of(name: str, ref: str, client: Any) -> str | None:
    """``ref`` is a version number, or an alias (None when the model has no such alias)."""
    if ref.isdigit():
        return reg.get_version(name, str(int(ref)), client=client).version
    return reg.alias_version(name, ref, client=client)


def promote(
    model: str,
    *,
    source: str,
    alias: str,
    records: Sequence[str],
    client: Any,
    dry_run: bool = False,
) -> PromotionResult:
    """Move ``alias`` to the version behind ``source`` when the records approve it."""
    read = _read(records)
    version = _version_of(model, source, client)
    previous = reg.alias_version(model, alias, client=client)

    def result(
        status: PromotionStatus, reasons: Sequence[str] = (), tags: Mapping[str, str] | None = None
    ) -> PromotionResult:
        return PromotionResult(
            model, alias, source, version, previous, status, tuple(reasons), dict(tags or {})
        )

    if version is None:
        return result("refused", [f"{model} has no alias {source!r}: nothing to promote"])
    if previous == version:
        return result("unchanged")
    audit = [p for path, r in read for p in audit_problems(r, path)]
    gate, matching = gate_problems(read, model, version, previous)
    reasons = audit + gate
    tags: dict[str, str] = {}
    if matching:  # the records are about this version: its verdicts belong on it
        tags = {
            "mlaudit.audit": "failed" if audit else "passed",
            "mlaudit.gate": "failed" if gate else "passed",
            "mlaudit.record": ", ".join(records),
        }
    if reasons:
        if tags and not dry_run:
            reg.tag_version(model, version, tags, client=client)
        return result("refused", reasons, tags)
    if dry_run:
        return result("would promote")
    tags[_tag(alias, "promoted_at")] = _now()
    tags[_tag(alias, "previous")] = previous or ""
    reg.tag_version(model, version, tags, client=client)
    reg.set_alias(model, alias, version, client=client)
    return result("promoted", (), tags)


@dataclasses.dataclass(frozen=True, slots=True)
class RollbackResult:
    """What :func:`rollback` did."""

    model: str
    alias: str
    current: str | None  #: the alias's holder when rollback started
    target: str | None  #: where the alias went (None: it did not move)
    status: Literal["held", "rolled back", "nothing to roll back to", "would roll back"]
    reasons: tuple[str, ...]  #: the post-deploy audit's problems, how the target was chosen

    @property
    def ok(self) -> bool:
        return self.status != "nothing to roll back to"

    def summary(self) -> str:
        head = {
            "held": f"{self.model} @{self.alias} version {self.current} holds",
            "rolled back": f"rolled back {self.model} @{self.alias} from version {self.current} "
            f"to version {self.target}",
            "would roll back": f"would roll back {self.model} @{self.alias} from version "
            f"{self.current} to version {self.target} (dry run)",
            "nothing to roll back to": f"{self.model} @{self.alias} stays on version "
            f"{self.current}: nothing to roll back to",
        }[self.status]
        return "\n".join([head, *(f"- {r}" for r in self.reasons)])

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "reasons": list(self.reasons), "ok": self.ok}


def _target(
    model: str, alias: str, current: reg.VersionInfo, client: Any
) -> tuple[str | None, str]:
    """The version to roll back to, and why that one."""
    passed = [
        v
        for v in reg.versions_tagged(model, POST_DEPLOY, "passed", client=client)
        if v.version != current.version
    ]
    if passed:
        best = max(passed, key=lambda v: (v.tags.get("mlaudit.post_deploy_at", ""), int(v.version)))
        when = best.tags.get("mlaudit.post_deploy_at")
        return best.version, (
            f"version {best.version} is the last whose post-deploy audit passed"
            + (f" ({when})" if when else "")
        )
    previous = current.tags.get(_tag(alias, "previous"))
    if previous and previous != current.version:
        info = reg.get_version(model, previous, client=client)
        if info.tags.get(POST_DEPLOY) != "failed":
            return previous, (
                f"no version has a passing post-deploy audit; version {previous} held "
                f"@{alias} before version {current.version}"
            )
    return None, (
        f"no other version has a passing post-deploy audit, and version {current.version} "
        f"records no earlier holder of @{alias} that did not fail"
    )


def rollback(
    model: str,
    *,
    alias: str,
    records: Sequence[str] = (),
    client: Any,
    dry_run: bool = False,
) -> RollbackResult:
    """Keep the alias's holder when its post-deploy audit passed, else move the alias back.

    Without ``records`` the alias is rolled back unconditionally (a decision made
    elsewhere: an incident, a manual call).
    """
    read = _read(records)
    holder = reg.alias_version(model, alias, client=client)
    if holder is None:
        return RollbackResult(
            model, alias, None, None, "nothing to roll back to", (f"{model} has no alias @{alias}",)
        )
    current = reg.get_version(model, holder, client=client)
    reasons: list[str] = []
    if read:
        problems = [p for path, r in read for p in audit_problems(r, path)]
        verdict = {
            POST_DEPLOY: "failed" if problems else "passed",
            "mlaudit.post_deploy_at": _now(),
            "mlaudit.post_deploy_record": ", ".join(records),
        }
        if not dry_run:
            reg.tag_version(model, holder, verdict, client=client)
        if not problems:
            return RollbackResult(
                model, alias, holder, None, "held", ("the post-deploy audit passed",)
            )
        reasons += [f"the post-deploy audit failed: {p}" for p in problems]
    else:
        reasons.append("rolled back on request (no post-deploy record given)")
    target, why = _target(model, alias, current, client)
    reasons.append(why)
    if target is None:
        return RollbackResult(model, alias, holder, None, "nothing to roll back to", tuple(reasons))
    if dry_run:
        return RollbackResult(model, alias, holder, target, "would roll back", tuple(reasons))
    now = _now()
    reg.set_alias(model, alias, target, client=client)
    reg.tag_version(
        model,
        holder,
        {_tag(alias, "rolled_back_at"): now, _tag(alias, "rolled_back_to"): target},
        client=client,
    )
    reg.tag_version(model, target, {_tag(alias, "restored_at"): now}, client=client)
    return RollbackResult(model, alias, holder, target, "rolled back", tuple(reasons))
