"""``mlaudit init``: scaffold the audit in a model repo (tests, a retrain policy, CI).

``mlaudit init`` writes example test files (drift checks, a deployment gate) and a retrain
policy; ``mlaudit init --ci github`` adds a GitHub Actions workflow that audits pull
requests and a schedule, uploads the report, gates promotion on the gate tests and rolls
a failed deployment back (see :data:`GITHUB_WORKFLOW`).

It is idempotent: a file that already has the scaffold's content is left alone, and a
file that differs (the user edited it, or wrote their own) is never overwritten without
``--force``. The templates are strings in this module, so they ship with the package.

Standard library only.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path
from typing import Final, Literal

__all__ = ["GITHUB_WORKFLOW", "Written", "files", "scaffold"]

GITHUB_WORKFLOW_PATH: Final = ".github/workflows/mlaudit.yml"

#: The GitHub Actions workflow (``mlaudit init --ci github``).
GITHUB_WORKFLOW: Final = """\
# The ML reliability audit, written by `mlaudit init --ci github` (pytest-mlaudit).
# Edit freely: `mlaudit init` never overwrites this file without --force.
#
#   audit              every pull request, push to main and the weekly schedule: all
#                      tests except the gate, the report uploaded as an artifact, the
#                      run appended to the audit history (kept between runs in the cache)
#   gate               pull requests and pushes to main: trains the candidate and runs the
#                      deployment gate tests (pytest -m gate) against the production model
#   promote            pushes to main, only when audit and gate passed: moves the model
#                      pointer to the candidate, deploys it, records the promotion
#   post-deploy-audit  after promote: audits the deployed model; when that fails, rolls
#                      the pointer back to the last model that passed and redeploys it
#   retrain-check      on the schedule: asks the audit history whether to retrain
#
# The model pointer: MODEL_POINTER (models/PRODUCTION) holds one line, the artifact that
# serves traffic (a path, a bucket URI or a registry version); LAST_GOOD_POINTER
# (models/LAST_GOOD) the last one whose post-deploy audit passed. Promotion and rollback
# are commits to these two files, so `git log models/` is the deployment history and a
# manual rollback is `cp models/LAST_GOOD models/PRODUCTION` plus DEPLOY_COMMAND.
# The bot pushes with GITHUB_TOKEN, which does not start new workflow runs; if main is
# protected, allow github-actions to push or use a deploy key.
name: mlaudit

on:
  pull_request:
  push:
    branches: [main]
  schedule:
    - cron: "0 6 * * 1"  # Mondays, 06:00 UTC
  workflow_dispatch:

permissions:
  contents: read

concurrency:
  group: mlaudit-${{ github.ref }}
  cancel-in-progress: ${{ github.event_name == 'pull_request' }}

env:
  PYTHON_VERSION: "3.11"
  MLAUDIT_HISTORY: .mlaudit/history.sqlite
  MODEL_POINTER: models/PRODUCTION
  LAST_GOOD_POINTER: models/LAST_GOOD
  MLAUDIT_CANDIDATE: models/candidate.joblib
  # EDIT these three commands for your repo:
  INSTALL_COMMAND: pip install -r requirements.txt "pytest-mlaudit[report]"
  TRAIN_COMMAND: python train.py --out models/candidate.joblib
  DEPLOY_COMMAND: echo "deploy the model named in models/PRODUCTION"

jobs:
  audit:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ env.PYTHON_VERSION }}
          cache: pip
      - name: Install
        run: ${{ env.INSTALL_COMMAND }}
      - name: Restore the audit history
        uses: actions/cache/restore@v4
        with:
          path: .mlaudit
          key: mlaudit-history-${{ github.run_id }}
          restore-keys: mlaudit-history-
      - name: Run the audit
        run: >-
          pytest -m "not gate"
          --mlaudit-json=reports/audit.json
          --mlaudit-report=reports
          --mlaudit-history=${{ env.MLAUDIT_HISTORY }}
      - name: Upload the audit report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: mlaudit-report
          path: reports/
          if-no-files-found: warn
      - name: Save the audit history
        # pull requests audit a candidate branch: they read the history, never write it
        if: always() && github.event_name != 'pull_request'
        uses: actions/cache/save@v4
        with:
          path: .mlaudit
          key: mlaudit-history-${{ github.run_id }}

  gate:
    if: github.event_name == 'pull_request' || github.event_name == 'push'
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ env.PYTHON_VERSION }}
          cache: pip
      - name: Install
        run: ${{ env.INSTALL_COMMAND }}
      - name: Train the candidate
        run: ${{ env.TRAIN_COMMAND }}
      - name: Gate the candidate against production
        # the gate tests read MLAUDIT_CANDIDATE and the model named in MODEL_POINTER
        run: pytest -m gate --mlaudit-json=reports/gate.json
      - name: Upload the gate report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: mlaudit-gate
          path: reports/
          if-no-files-found: warn
      - name: Keep the candidate for promotion
        uses: actions/upload-artifact@v4
        with:
          name: candidate-model
          path: ${{ env.MLAUDIT_CANDIDATE }}
          if-no-files-found: error

  promote:
    # a red audit blocks promotion too; when the candidate is a retrain on new data, point
    # the drift tests' reference at the candidate's training data
    needs: [audit, gate]
    if: github.event_name == 'push' && github.ref == 'refs/heads/main'
    runs-on: ubuntu-latest
    environment: production
    permissions:
      contents: write
    outputs:
      model: ${{ steps.pointer.outputs.model }}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ env.PYTHON_VERSION }}
          cache: pip
      - name: Install
        run: ${{ env.INSTALL_COMMAND }}
      - name: Fetch the gated candidate
        uses: actions/download-artifact@v4
        with:
          name: candidate-model
          path: models/
      - name: Move the model pointer to the candidate
        id: pointer
        run: |
          model="models/model-${GITHUB_SHA::12}.joblib"
          mv "$MLAUDIT_CANDIDATE" "$model"
          # EDIT: publish "$model" where serving can read it (bucket, registry) and write
          # that URI into the pointer instead of the path
          echo "$model" > "$MODEL_POINTER"
          git config user.name "github-actions[bot]"
          git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
          git add "$MODEL_POINTER" "$model"
          git commit -m "Promote $model (gate passed in run ${{ github.run_id }}) [skip ci]"
          git push
          echo "model=$model" >> "$GITHUB_OUTPUT"
      - name: Deploy
        run: ${{ env.DEPLOY_COMMAND }}
      - name: Restore the audit history
        uses: actions/cache/restore@v4
        with:
          path: .mlaudit
          key: mlaudit-history-${{ github.run_id }}
          restore-keys: mlaudit-history-
      - name: Record the promotion
        run: >-
          mlaudit history mark promotion
          --model "${{ steps.pointer.outputs.model }}"
          --note "run ${{ github.run_id }}"
      - name: Save the audit history
        uses: actions/cache/save@v4
        with:
          path: .mlaudit
          key: mlaudit-history-${{ github.run_id }}-promote

  post-deploy-audit:
    needs: promote
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: write
    steps:
      - uses: actions/checkout@v4
        with:
          ref: main  # includes the pointer commit of the promote job
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ env.PYTHON_VERSION }}
          cache: pip
      - name: Install
        run: ${{ env.INSTALL_COMMAND }}
      - name: Restore the audit history
        uses: actions/cache/restore@v4
        with:
          path: .mlaudit
          key: mlaudit-history-${{ github.run_id }}-promote
          restore-keys: mlaudit-history-
      - name: Audit the deployed model
        id: audit
        # EDIT: point the load tests at production with the PRODUCTION_URL repository variable
        run: >-
          pytest -m "not gate"
          --mlaudit-json=reports/post-deploy.json
          --mlaudit-history=${{ env.MLAUDIT_HISTORY }}
          --mlaudit-target-url=${{ vars.PRODUCTION_URL }}
      - name: Keep this model as the last one that passed
        if: success()
        run: |
          cp "$MODEL_POINTER" "$LAST_GOOD_POINTER"
          git config user.name "github-actions[bot]"
          git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
          git add "$LAST_GOOD_POINTER"
          git commit -m "$(cat "$MODEL_POINTER") passed its post-deploy audit [skip ci]" || true
          git push
      - name: Roll back to the last model that passed
        if: failure() && steps.audit.outcome == 'failure'
        run: |
          if [ ! -s "$LAST_GOOD_POINTER" ]; then
            echo "::error::no $LAST_GOOD_POINTER: no earlier model passed; roll back by hand"
            exit 1
          fi
          failed="$(cat "$MODEL_POINTER")"
          cp "$LAST_GOOD_POINTER" "$MODEL_POINTER"
          git config user.name "github-actions[bot]"
          git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
          git add "$MODEL_POINTER"
          good="$(cat "$MODEL_POINTER")"
          git commit -m "Roll back $failed to $good: post-deploy audit failed [skip ci]"
          git push
          ${{ env.DEPLOY_COMMAND }}
          mlaudit history mark rollback --model "$good" \\
            --note "post-deploy audit of $failed failed in run ${{ github.run_id }}"
      - name: Upload the post-deploy report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: mlaudit-post-deploy
          path: reports/
          if-no-files-found: warn
      - name: Save the audit history
        if: always()
        uses: actions/cache/save@v4
        with:
          path: .mlaudit
          key: mlaudit-history-${{ github.run_id }}-post-deploy

  retrain-check:
    needs: audit
    # always(): a failing audit (drift!) is exactly when the question matters
    if: always() && (github.event_name == 'schedule' || github.event_name == 'workflow_dispatch')
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ env.PYTHON_VERSION }}
          cache: pip
      - name: Install
        run: pip install pytest-mlaudit
      - name: Restore the audit history
        uses: actions/cache/restore@v4
        with:
          path: .mlaudit
          key: mlaudit-history-${{ github.run_id }}
          restore-keys: mlaudit-history-
      - name: Should we retrain?
        id: decide
        # exit 0: no, 10: yes (both are answers); 1 or 2: the history or policy is broken
        run: mlaudit retrain-check --github-output || [ $? -eq 10 ]
      - name: Retrain
        if: steps.decide.outputs.retrain == 'true'
        # EDIT: start your training pipeline (or open a pull request with a new candidate)
        run: |
          echo "retrain warranted: start the training pipeline here"
          mlaudit history mark retrain --note "retrain-check in run ${{ github.run_id }}"
      - name: Save the audit history
        if: steps.decide.outputs.retrain == 'true'
        uses: actions/cache/save@v4
        with:
          path: .mlaudit
          key: mlaudit-history-${{ github.run_id }}-retrain
"""

DRIFT_TESTS: Final = '''\
"""Drift checks of this model, written by `mlaudit init` (pytest-mlaudit).

Fill in the two fixtures (until then these tests are skipped), then run
`pytest -m drift --mlaudit-json=reports/audit.json`. See the pytest-mlaudit docs for
the methods and thresholds.
"""

import pytest

#: EDIT: the model's input columns (None compares every shared column)
FEATURES = None


@pytest.fixture(scope="session")
def reference_df():
    """EDIT: the data the model was trained on (a pandas DataFrame)."""
    pytest.skip("mlaudit init: load the training data in reference_df()")


@pytest.fixture(scope="session")
def current_df():
    """EDIT: recent production inputs (a pandas DataFrame with the same columns)."""
    pytest.skip("mlaudit init: load recent production data in current_df()")


@pytest.mark.drift
def test_inputs_have_not_drifted(mlaudit, reference_df, current_df):
    report = mlaudit.drift(reference_df, current_df, columns=FEATURES)
    report.assert_ok()


@pytest.mark.drift(psi_threshold=0.2)
def test_important_features_are_stable(mlaudit, reference_df, current_df):
    # the retrain policy (retrain_policy.toml [psi]) reads these PSI values from the history
    mlaudit.drift(reference_df, current_df, columns=FEATURES, methods="psi").assert_ok()
'''

GATE_TESTS: Final = '''\
"""The deployment gate of this model, written by `mlaudit init` (pytest-mlaudit).

The candidate (MLAUDIT_CANDIDATE, a .joblib file) must not be significantly worse than
the production model (the file named in MODEL_POINTER) on held-out labelled rows, and
must load, predict, repeat itself and answer fast enough. Run `pytest -m gate`.
"""

import os
from pathlib import Path

import pytest

CANDIDATE = os.environ.get("MLAUDIT_CANDIDATE", "models/candidate.joblib")
POINTER = Path(os.environ.get("MODEL_POINTER", "models/PRODUCTION"))


@pytest.fixture(scope="session")
def holdout():
    """EDIT: labelled rows neither model was trained on, as (X, y)."""
    pytest.skip("mlaudit init: load held-out labelled data in holdout()")


@pytest.fixture(scope="session")
def production_model():
    """The model serving traffic (None before the first release: floors only)."""
    if not POINTER.is_file():
        return None
    # EDIT: if the pointer holds a URI, download the artifact and return its local path
    return POINTER.read_text().strip() or None


@pytest.mark.gate(min_delta=0.0, max_latency_ms=100)
def test_candidate_is_not_worse_than_production(mlaudit, holdout, production_model):
    X, y = holdout
    report = mlaudit.gate(CANDIDATE, production_model, X, y, metrics=["accuracy"])
    report.assert_ok()  # the table says both estimates, the interval, and why
'''

RETRAIN_POLICY: Final = """\
# When to retrain, written by `mlaudit init` (pytest-mlaudit); read by
# `mlaudit retrain-check`, which answers from the audit history (exit 10: retrain, 0: don't).
# Record retrains with `mlaudit history mark retrain` and promotions with
# `mlaudit history mark promotion` (the CI workflow does both).

min_days_between = 7        # never retrain sooner than this after the last retrain

[drift]
runs = 2                    # a drift check failed in each of the last 2 runs
tests = ["test_inputs_have_not_drifted"]

# [psi]                     # PSI above the threshold on an important feature ...
# threshold = 0.2
# runs = 2                  # ... in each of the last 2 runs
# features = ["income", "debt_ratio"]

# [[metric]]                # a performance metric recorded by a gate check
# metric = "accuracy"
# tests = ["test_production_performance"]
# min = 0.80                # below this floor ...
# max_drop = 0.02           # ... or this much worse than at the last promotion
"""


@dataclasses.dataclass(frozen=True, slots=True)
class Written:
    """What ``mlaudit init`` did with one file."""

    path: Path
    action: Literal["created", "unchanged", "overwritten", "kept"]  #: kept: differs, no --force


def files(tests_dir: str = "tests", ci: str | None = None) -> list[tuple[str, str]]:
    """The scaffold's files as ``(relative path, content)``."""
    files = [
        (f"{tests_dir}/test_mlaudit_drift.py", DRIFT_TESTS),
        (f"{tests_dir}/test_mlaudit_gate.py", GATE_TESTS),
        ("retrain_policy.toml", RETRAIN_POLICY),
    ]
    if ci == "github":
        files.append((GITHUB_WORKFLOW_PATH, GITHUB_WORKFLOW))
    return files


def scaffold(
    root: str | os.PathLike[str] = ".",
    *,
    ci: Literal["github"] | None = None,
    tests_dir: str = "tests",
    force: bool = False,
    policy: bool = True,
) -> list[Written]:
    """Write the scaffold under ``root``; never overwrite a differing file without ``force``.

    Examples
    --------
    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> [w.action for w in scaffold(root, ci="github")]
    ['created', 'created', 'created', 'created']
    >>> [w.action for w in scaffold(root, ci="github")]
    ['unchanged', 'unchanged', 'unchanged', 'unchanged']
    """
    from pytest_mlaudit.errors import MlauditInputError

    if ci not in (None, "github"):
        raise MlauditInputError(f"--ci supports 'github'; got {ci!r}.")
    base = Path(root)
    out: list[Written] = []
    for rel, content in files(tests_dir, ci):
        if rel == "retrain_policy.toml" and not policy:
            continue
        path = base / rel
        if path.exists() and not path.is_file():
            raise MlauditInputError(f"{str(path)!r} exists and is not a file.")
        if path.is_file():
            if path.read_text(encoding="utf-8") == content:
                out.append(Written(path, "unchanged"))
                continue
            if not force:
                out.append(Written(path, "kept"))
                continue
            action: Literal["created", "overwritten"] = "overwritten"
        else:
            action = "created"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.mlaudit-tmp")
        tmp.write_text(content, encoding="utf-8")
        os.replace(tmp, path)
        out.append(Written(path, action))
    return out


# --------------------------------------------------------------------------- `mlaudit init`


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mlaudit init``."""
    parser.add_argument(
        "--ci",
        choices=["github"],
        default=None,
        help="also write a CI workflow (.github/workflows/mlaudit.yml)",
    )
    parser.add_argument("--dir", default=".", metavar="DIR", help="the model repo (default: .)")
    parser.add_argument(
        "--tests-dir",
        default="tests",
        metavar="DIR",
        help="where the example tests go, relative to --dir (default: tests)",
    )
    parser.add_argument("--no-policy", action="store_true", help="don't write retrain_policy.toml")
    parser.add_argument(
        "--force",
        action="store_true",
        help="overwrite files that differ from the scaffold (never without it)",
    )


def run(args: argparse.Namespace) -> int:
    """``mlaudit init``: 0 when every file is in place (created, unchanged or kept)."""
    from pytest_mlaudit.errors import MlauditInputError

    try:
        written = scaffold(
            args.dir,
            ci=args.ci,
            tests_dir=args.tests_dir,
            force=args.force,
            policy=not args.no_policy,
        )
    except (MlauditInputError, OSError) as exc:
        print(f"mlaudit: error: {exc}", file=sys.stderr)
        return 2
    for w in written:
        note = " (differs from the scaffold; --force overwrites)" if w.action == "kept" else ""
        print(f"{w.action:<11} {w.path}{note}")
    if any(w.action in ("created", "overwritten") for w in written):
        print(
            "\nnext: fill in the fixtures marked EDIT, and keep the audit history with\n"
            '  [tool.pytest.ini_options]\n  mlaudit_history = ".mlaudit/history.sqlite"\n'
            "then `pytest --mlaudit-json=reports/audit.json` and `mlaudit retrain-check`."
        )
    return 0
