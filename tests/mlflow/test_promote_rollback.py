"""``mlaudit promote`` and ``mlaudit rollback`` against a real SQLite registry store.

Each test registers a model of its own (``registered``: v1 weak @champion, v2 strong
@challenger), runs the real gate on the registry URIs, writes the audit record as the
plugin does, and calls the command line (``pytest_mlaudit.cli.main``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pytest_mlaudit import check_drift, check_gate
from pytest_mlaudit.checks.gate import GateReport
from pytest_mlaudit.cli import main
from pytest_mlaudit.record import CheckEntry, build_record, write_record
from pytest_mlaudit.result import CheckReport
from tests.mlflow.conftest import FEATURES, RegistryStore

RNG = np.random.default_rng(0)
A, B = RNG.normal(size=400), RNG.normal(size=400)


def gate(store: RegistryStore, candidate: str, baseline: str | None, **kw: object) -> GateReport:
    kw = {"metrics": "roc_auc", "n_boot": 200, "artifact": False, **kw}
    return check_gate(candidate, baseline, store.X_test[FEATURES], store.y_test,
                      tracking_uri=store.uri, **kw)  # fmt: skip


def drift(ok: bool) -> CheckReport:
    return check_drift({"x": A}, {"x": B if ok else B + 1.0}, methods="ks")


def record(path: Path, *reports: CheckReport, exitstatus: int | None = None) -> str:
    """An audit record holding ``reports`` (one test each), as the plugin writes it."""
    entries = [
        CheckEntry.from_report(r.kind, r, nodeid=f"tests/test_audit.py::test_{i}", markers=[r.kind])
        for i, r in enumerate(reports)
    ]
    failed = any(not r.passed for r in reports)
    status = (1 if failed else 0) if exitstatus is None else exitstatus
    write_record(build_record(entries, run={"exitstatus": status}), path)
    return str(path)


def cli(store: RegistryStore, *args: str) -> int:
    return main([*args, "--tracking-uri", store.uri])


def holder(store: RegistryStore, name: str, alias: str = "champion") -> str:
    return str(store.client().get_model_version_by_alias(name, alias).version)


def tags(store: RegistryStore, name: str, version: str) -> dict[str, str]:
    return dict(store.client().get_model_version(name, version).tags)


def promote(store: RegistryStore, name: str, *records: str) -> int:
    flags = [x for r in records for x in ("--record", r)]
    return cli(store, "promote", name, "--from", "challenger", "--to", "champion", *flags)


def test_promote_moves_the_alias_on_a_passing_record(
    registry_store: RegistryStore, registered: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    s, name = registry_store, registered
    report = gate(s, f"models:/{name}@challenger", f"models:/{name}@champion", min_delta=0.005)
    assert report.passed
    path = record(tmp_path / "audit.json", report, drift(ok=True))
    assert promote(s, name, path) == 0
    assert capsys.readouterr().out.strip() == (
        f"promoted {name} version 2 to @champion (was version 1)"
    )
    assert holder(s, name) == "2" and holder(s, name, "challenger") == "2"
    t = tags(s, name, "2")
    assert {k: t[k] for k in ("mlaudit.audit", "mlaudit.gate", "mlaudit.record")} == {
        "mlaudit.audit": "passed",
        "mlaudit.gate": "passed",
        "mlaudit.record": path,
    }
    assert t["mlaudit.champion.previous"] == "1" and t["mlaudit.champion.promoted_at"][:2] == "20"
    assert promote(s, name, path) == 0  # again: already there, nothing changes
    assert "already points to version 2" in capsys.readouterr().out


def test_promote_refuses_a_record_whose_audit_failed(
    registry_store: RegistryStore, registered: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    s, name = registry_store, registered
    report = gate(s, f"models:/{name}@challenger", f"models:/{name}@champion")
    path = record(tmp_path / "audit.json", report, drift(ok=False))
    assert promote(s, name, path) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"refused: {name} version 2 stays off @champion (was version 1)\n")
    assert "1 check(s) failed: tests/test_audit.py::test_1" in out
    assert holder(s, name) == "1"
    t = tags(s, name, "2")
    assert (t["mlaudit.audit"], t["mlaudit.gate"]) == ("failed", "passed")
    assert "mlaudit.champion.promoted_at" not in t


def test_promote_refuses_when_the_gate_failed_for_that_version(
    registry_store: RegistryStore, registered: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    s, name = registry_store, registered
    report = gate(s, f"models:/{name}@challenger", f"models:/{name}@champion", floor=0.99)
    assert not report.passed
    assert promote(s, name, record(tmp_path / "a.json", report, exitstatus=0)) == 1
    out = capsys.readouterr().out
    assert "the gate failed for version 2 in tests/test_audit.py::test_0: roc_auc" in out
    assert holder(s, name) == "1" and tags(s, name, "2")["mlaudit.gate"] == "failed"


def test_promote_refuses_a_record_about_another_version(
    registry_store: RegistryStore, registered: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    s, name = registry_store, registered
    path = record(tmp_path / "a.json", gate(s, f"models:/{name}@challenger", f"models:/{name}/1"))
    (v3,) = s.register(name, "strong")
    s.client().set_registered_model_alias(name, "challenger", v3)  # retrained after the gate
    assert promote(s, name, path) == 1
    out = capsys.readouterr().out
    assert f"no gate in the record compared {name} version 3 (its gates compared {name} " \
        "version 2)" in out  # fmt: skip
    assert holder(s, name) == "1" and "mlaudit.audit" not in tags(s, name, v3)


def test_promote_refuses_a_gate_against_a_champion_that_has_moved(
    registry_store: RegistryStore, registered: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    s, name = registry_store, registered
    path = record(
        tmp_path / "a.json", gate(s, f"models:/{name}@challenger", f"models:/{name}@champion")
    )
    (v3,) = s.register(name, "weak")
    s.client().set_registered_model_alias(name, "champion", v3)
    assert promote(s, name, path) == 1
    assert "compared version 2 with version 1, but the alias now points to version 3" in (
        capsys.readouterr().out
    )


def test_dry_run_and_separate_audit_and_gate_records(
    registry_store: RegistryStore, registered: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    s, name = registry_store, registered
    audit = record(tmp_path / "audit.json", drift(ok=True))
    gated = record(
        tmp_path / "gate.json", gate(s, f"models:/{name}@challenger", f"models:/{name}@champion")
    )
    assert cli(s, "promote", name, "--record", audit, "--record", gated, "--dry-run") == 0
    assert "would promote" in capsys.readouterr().out
    assert (
        cli(s, "promote", name, "--from", "2", "--record", audit, "--record", gated, "--dry-run")
        == 0
    )
    assert f"would promote {name} version 2 to @champion" in capsys.readouterr().out
    assert cli(s, "promote", name, "--from", "7", "--record", gated) == 2  # no version 7
    assert "version=7" in capsys.readouterr().err
    assert holder(s, name) == "1" and "mlaudit.audit" not in tags(s, name, "2")
    assert cli(s, "promote", name, "--record", audit) == 1  # the audit alone has no gate
    assert "it holds no gate check" in capsys.readouterr().out
    assert cli(s, "promote", name, "--record", audit, "--record", gated, "--json") == 0
    assert '"status": "promoted"' in capsys.readouterr().out and holder(s, name) == "2"


def test_rollback_keeps_a_passing_version_and_moves_back_from_a_failing_one(
    registry_store: RegistryStore, registered: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    s, name = registry_store, registered
    first = gate(s, f"models:/{name}@challenger", f"models:/{name}@champion")
    assert promote(s, name, record(tmp_path / "a1.json", first, drift(ok=True))) == 0
    passing = record(tmp_path / "post1.json", drift(ok=True))
    assert cli(s, "rollback", name, "--to", "champion", "--record", passing) == 0
    assert f"{name} @champion version 2 holds" in capsys.readouterr().out
    assert tags(s, name, "2")["mlaudit.post_deploy"] == "passed"
    # a retrained version 3 passes its gate against version 2, is promoted, then fails in
    # production: the alias goes back to version 2, the last that passed after deploying
    (v3,) = s.register(name, "strong")
    s.client().set_registered_model_alias(name, "challenger", v3)
    second = gate(s, f"models:/{name}@challenger", f"models:/{name}@champion")
    assert promote(s, name, record(tmp_path / "a2.json", second, drift(ok=True))) == 0
    assert holder(s, name) == "3"
    capsys.readouterr()
    failing = record(tmp_path / "post2.json", drift(ok=False))
    assert cli(s, "rollback", name, "--to", "champion", "--record", failing) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"rolled back {name} @champion from version 3 to version 2\n"), out
    assert "version 2 is the last whose post-deploy audit passed" in out
    assert holder(s, name) == "2"
    t3 = tags(s, name, "3")
    assert (t3["mlaudit.post_deploy"], t3["mlaudit.champion.rolled_back_to"]) == ("failed", "2")


def test_rollback_without_a_record_goes_to_the_previous_holder(
    registry_store: RegistryStore, registered: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    s, name = registry_store, registered
    report = gate(s, f"models:/{name}@challenger", f"models:/{name}@champion")
    assert promote(s, name, record(tmp_path / "a.json", report)) == 0
    assert cli(s, "rollback", name) == 0
    out = capsys.readouterr().out
    assert "no version has a passing post-deploy audit; version 1 held @champion before" in out
    assert holder(s, name) == "1"
    # version 1 now holds and recorded no earlier holder: nothing left to roll back to
    assert cli(s, "rollback", name, "--record", record(tmp_path / "p.json", drift(ok=False))) == 1
    assert "nothing to roll back to" in capsys.readouterr().out and holder(s, name) == "1"


def test_bad_input_and_an_unusable_registry(
    registry_store: RegistryStore, registered: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    s, name = registry_store, registered
    path = record(tmp_path / "a.json", drift(ok=True))
    assert promote(s, "no-such-model", path) == 2
    err = capsys.readouterr().err
    assert "no-such-model" in err and "not found" in err and "Traceback" not in err
    assert promote(s, name, str(tmp_path / "missing.json")) == 2
    assert "no audit record at" in capsys.readouterr().err
    assert cli(s, "promote", name, "--from", "nope", "--record", path) == 1
    assert f"{name} has no alias 'nope'" in capsys.readouterr().out
    assert cli(s, "rollback", name, "--to", "nope") == 1
    assert f"{name} has no alias @nope" in capsys.readouterr().out
    (tmp_path / "file").write_text("")
    broken = f"sqlite:///{tmp_path}/file/mlflow.db"
    assert main(["rollback", name, "--tracking-uri", broken]) == 1
    assert capsys.readouterr().err.startswith(f"mlaudit: error: cannot reach the registry {broken}")


def test_the_installed_command_exits_1_when_it_refuses(
    registry_store: RegistryStore, registered: str, tmp_path: Path
) -> None:
    s, name = registry_store, registered
    path = record(tmp_path / "a.json", drift(ok=False))
    done = subprocess.run(
        [sys.executable, "-m", "pytest_mlaudit.cli", "promote", name, "--from", "challenger",
         "--to", "champion", "--record", path, "--tracking-uri", s.uri],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith(f"refused: {name} version 2 stays off @champion"), done.stdout


def test_a_tracking_server_that_is_down_is_one_line_and_exit_1_not_minutes_of_retries(
    tmp_path: Path,
) -> None:
    import os
    import socket
    import time

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    path = record(tmp_path / "a.json", drift(ok=True))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest_mlaudit.cli", "promote", "credit-risk", "--record", path,
         "--tracking-uri", url],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    took = time.monotonic() - start
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("mlaudit: error: model 'credit-risk': the registry "), done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    # MLflow's own default (7 retries, backoff factor 2) takes minutes; bounded, seconds
    assert took < 60, took


GATE_TEST = """
import pandas as pd
import pytest

rows = pd.read_csv("holdout.csv")


@pytest.mark.gate(min_delta=0.005)
def test_challenger_is_not_worse(mlaudit):
    X, y = rows.drop(columns="default"), rows["default"]
    report = mlaudit.gate("models:/{name}@challenger", "models:/{name}@champion", X, y,
                          metrics=["accuracy", "roc_auc", "log_loss"], n_boot=500)
    report.assert_ok()
"""


def test_a_gate_run_by_pytest_then_promote_as_in_ci(
    registry_store: RegistryStore,
    registered: str,
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s, name = registry_store, registered
    s.X_test[FEATURES].assign(default=s.y_test).to_csv(pytester.path / "holdout.csv", index=False)
    pytester.makepyfile(test_gate=GATE_TEST.replace("{name}", name))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", s.uri)  # as CI sets it; the test names URIs only
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--mlaudit-json=gate.json")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["PASS*gate test_gate.py::test_challenger_is_not_worse *"])
    gate_json = str(pytester.path / "gate.json")
    assert main(["promote", name, "--record", gate_json]) == 0  # the store from the environment
    assert holder(s, name) == "2"
