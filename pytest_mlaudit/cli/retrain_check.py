"""``mlaudit retrain-check``: retrain or not, from the audit history and a policy."""

from __future__ import annotations

import argparse
import json
import os

from pytest_mlaudit.cli._output import say
from pytest_mlaudit.retrain import (
    EXIT_NO_RETRAIN,
    EXIT_RETRAIN,
    EXIT_STORE_ERROR,
    EXIT_USAGE,
    POLICY_FILE,
)

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mlaudit retrain-check``."""
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=None,
        help="the history store (default as `mlaudit history`)",
    )
    parser.add_argument(
        "--mlflow",
        action="store_true",
        help="read the history of the audit runs in MLflow (pytest --mlaudit-mlflow); "
        'also the policy\'s [history] backend = "mlflow" or $MLAUDIT_HISTORY_BACKEND=mlflow',
    )
    parser.add_argument(
        "--tracking-uri",
        metavar="URI",
        default=None,
        help="the MLflow tracking store (implies --mlflow; default: the policy's [history] "
        "tracking_uri, $MLFLOW_TRACKING_URI, the mlaudit_mlflow ini key, sqlite:///mlflow.db)",
    )
    parser.add_argument(
        "--mlflow-experiment",
        metavar="NAME",
        default=None,
        help="the MLflow experiment of the audit runs (default: the policy's [history] "
        "experiment, the mlaudit_mlflow_experiment ini key, else mlaudit)",
    )
    parser.add_argument(
        "--policy",
        metavar="FILE",
        default=None,
        help="a policy file, or a pyproject.toml with [tool.mlaudit.retrain] "
        f"(default: ./pyproject.toml, then ./{POLICY_FILE})",
    )
    parser.add_argument(
        "--now",
        metavar="ISO",
        default=None,
        help="decide as of this time (replays the past); default now",
    )
    parser.add_argument("--json", action="store_true", help="print the decision as JSON")
    parser.add_argument(
        "--github-output",
        action="store_true",
        help="also write retrain=true|false to $GITHUB_OUTPUT (GitHub Actions)",
    )
    parser.epilog = (
        f"exit status: {EXIT_NO_RETRAIN} no retrain warranted, {EXIT_RETRAIN} retrain warranted, "
        f"{EXIT_STORE_ERROR} the history store cannot be used, {EXIT_USAGE} bad policy or "
        "arguments, or a policy naming a test, feature, metric or check the history never saw."
    )


def run(args: argparse.Namespace) -> int:
    """``mlaudit retrain-check``: the decision, its reasons, and an exit status."""
    from pytest_mlaudit.cli.history import open_store
    from pytest_mlaudit.retrain import load_policy, should_retrain

    # a bad policy (exit 2) or a store that cannot be used (1): main() says it in a line
    policy = load_policy(args.policy)
    store = open_store(args, settings=policy.history)
    decision = should_retrain(store, policy, now=args.now, tracking_uri=args.tracking_uri)
    if args.json:
        print(json.dumps(decision.to_dict(), indent=2))
    else:
        print(decision.summary())
    for problem in decision.problems:  # a rule that can never fire: the policy has a typo
        say(f"error: {problem}")
    if args.github_output:
        target = os.environ.get("GITHUB_OUTPUT")
        if not target:
            say("error: --github-output needs $GITHUB_OUTPUT (set by GitHub Actions)")
            return EXIT_USAGE
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(f"retrain={'true' if decision.retrain else 'false'}\n")
    return decision.exit_code
