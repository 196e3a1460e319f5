"""``mlaudit init``: the scaffold, the CI workflow, idempotence and --force."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_mlaudit.cli import main
from pytest_mlaudit.retrain import load_policy
from pytest_mlaudit.scaffold import GITHUB_WORKFLOW, scaffold

WORKFLOW = ".github/workflows/mlaudit.yml"


def workflow() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(GITHUB_WORKFLOW)
    return data


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = job["steps"]
    return out


def test_the_workflow_is_valid_yaml_with_the_jobs_described() -> None:
    data = workflow()
    on = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` key as true
    assert set(on) == {"pull_request", "push", "schedule", "workflow_dispatch"}
    assert on["schedule"][0]["cron"] == "0 6 * * 1"
    jobs = data["jobs"]
    assert set(jobs) == {"audit", "gate", "promote", "post-deploy-audit", "retrain-check"}
    for name, job in jobs.items():
        assert job["runs-on"] == "ubuntu-latest", name
        for step in steps(job):
            assert ("uses" in step) != ("run" in step), (name, step)
            if "uses" in step:
                assert re.fullmatch(r"actions/[a-z-]+(/[a-z]+)?@v\d+", step["uses"]), step["uses"]
        needs = job.get("needs", [])
        for other in [needs] if isinstance(needs, str) else needs:
            assert other in jobs, (name, other)
    # the audit: runs the tests, uploads the report, keeps the history
    audit = " ".join(str(s) for s in steps(jobs["audit"]))
    assert "--mlaudit-report=reports" in audit and "--mlaudit-history=" in audit
    assert "actions/upload-artifact@v4" in audit and "actions/cache/save@v4" in audit
    upload = next(s for s in steps(jobs["audit"]) if s.get("uses", "").startswith("actions/upload"))
    assert upload["if"] == "always()"
    # promotion is gated on the gate tests, and only on main
    assert "pytest -m gate" in " ".join(s.get("run", "") for s in steps(jobs["gate"]))
    assert set(jobs["promote"]["needs"]) == {"audit", "gate"}
    assert "refs/heads/main" in jobs["promote"]["if"]
    assert jobs["promote"]["permissions"] == {"contents": "write"}
    # the post-deploy audit rolls the pointer back to the last model that passed
    post = jobs["post-deploy-audit"]
    assert post["needs"] == "promote"
    rollback = next(s for s in steps(post) if s.get("name", "").startswith("Roll back"))
    assert rollback["if"] == "failure() && steps.audit.outcome == 'failure'"
    assert 'cp "$LAST_GOOD_POINTER" "$MODEL_POINTER"' in rollback["run"]
    assert "mlaudit history mark rollback" in rollback["run"]
    keep = next(s for s in steps(post) if s.get("name", "").startswith("Keep this model"))
    assert keep["if"] == "success()" and 'cp "$MODEL_POINTER" "$LAST_GOOD_POINTER"' in keep["run"]
    # the scheduled retrain check treats exit 10 as an answer, not a failure
    decide = next(s for s in steps(jobs["retrain-check"]) if s.get("id") == "decide")
    assert decide["run"] == "mlaudit retrain-check --github-output || [ $? -eq 10 ]"
    assert jobs["retrain-check"]["if"].startswith("always() && ")
    assert "schedule" in jobs["retrain-check"]["if"]
    assert data["permissions"] == {"contents": "read"}
    assert set(data["env"]) >= {
        "MODEL_POINTER",
        "LAST_GOOD_POINTER",
        "MLAUDIT_HISTORY",
        "TRAIN_COMMAND",
        "DEPLOY_COMMAND",
        "INSTALL_COMMAND",
    }


def test_every_expression_is_closed_and_names_known_contexts() -> None:
    known = {
        "github",
        "env",
        "steps",
        "vars",
        "secrets",
        "needs",
        "job",
        "runner",
        "matrix",
        "inputs",
    }
    for expr in re.findall(r"\$\{\{(.*?)\}\}", GITHUB_WORKFLOW):
        head = re.match(r"\s*([a-z_]+)", expr)
        assert head is not None and head.group(1) in known, expr
    assert GITHUB_WORKFLOW.count("${{") == GITHUB_WORKFLOW.count("}}")
    step_ids = set(re.findall(r"id: ([a-z-]+)", GITHUB_WORKFLOW))
    for ref in re.findall(r"steps\.([a-z-]+)\.", GITHUB_WORKFLOW):
        assert ref in step_ids, ref


def test_init_writes_the_scaffold_and_is_idempotent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--ci", "github", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    # the history is kept by default: no advice to add the mlaudit_history key it defaults to
    assert out.count("created") == 4 and "mlaudit_history" not in out
    assert ".mlaudit/history.sqlite" in out
    files = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert files == {
        WORKFLOW,
        "tests/test_mlaudit_drift.py",
        "tests/test_mlaudit_gate.py",
        "retrain_policy.toml",
    }
    before = {f: (tmp_path / f).read_bytes() for f in files}
    assert main(["init", "--ci", "github", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("unchanged") == 4 and "next:" not in out
    assert {f: (tmp_path / f).read_bytes() for f in files} == before


def test_init_never_overwrites_a_users_file_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / WORKFLOW
    mine.parent.mkdir(parents=True)
    mine.write_text("name: my own\n")
    assert main(["init", "--ci", "github", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"kept        {mine} (differs from the scaffold; --force overwrites)" in out
    assert mine.read_text() == "name: my own\n"
    assert [w.action for w in scaffold(tmp_path, ci="github", force=True)] == [
        "unchanged",
        "unchanged",
        "unchanged",
        "overwritten",
    ]
    assert mine.read_text() == GITHUB_WORKFLOW
    assert not list(tmp_path.rglob("*.mlaudit-tmp"))


def test_init_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--dir", str(tmp_path), "--tests-dir", "audit", "--no-policy"]) == 0
    assert sorted(p.name for p in (tmp_path / "audit").iterdir()) == [
        "test_mlaudit_drift.py",
        "test_mlaudit_gate.py",
    ]
    assert not (tmp_path / "retrain_policy.toml").exists() and not (tmp_path / ".github").exists()
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "retrain_policy.toml").mkdir()
    capsys.readouterr()
    assert main(["init", "--dir", str(tmp_path / "x")]) == 2
    assert "exists and is not a file" in capsys.readouterr().err


def test_scaffolded_files_are_valid(tmp_path: Path) -> None:
    scaffold(tmp_path)
    for name in ("test_mlaudit_drift.py", "test_mlaudit_gate.py"):
        ast.parse((tmp_path / "tests" / name).read_text())
    policy = load_policy(tmp_path / "retrain_policy.toml")
    assert policy.drift is not None and policy.min_days_between == 7
    tomllib.loads((tmp_path / "retrain_policy.toml").read_text())


def test_scaffolded_tests_skip_until_filled_in(pytester: pytest.Pytester) -> None:
    scaffold(pytester.path)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rs", "tests")
    result.assert_outcomes(skipped=3)
    result.stdout.fnmatch_lines(["*mlaudit init: load*"])


def test_init_into_a_file_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "repo").write_text("")
    assert main(["init", "--dir", str(tmp_path / "repo")]) == 2
    assert "the model repo must be a directory" in capsys.readouterr().err
