"""``mlaudit init``: scaffold the audit in a model repo (see :mod:`pytest_mlaudit.scaffold`)."""

from __future__ import annotations

import argparse

from pytest_mlaudit.cli._output import EXIT_OK, EXIT_USAGE, say

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mlaudit init``."""
    parser.add_argument(
        "--ci",
        choices=["github", "gitlab"],
        default=None,
        help="also write a CI pipeline: github (.github/workflows/mlaudit.yml) or gitlab "
        "(.gitlab-ci.yml)",
    )
    parser.add_argument(
        "--registry",
        choices=["pointer", "mlflow"],
        default="pointer",
        help="where promotion happens: pointer (default), a file in git naming the production "
        "model; mlflow, the aliases challenger and champion of --model in the MLflow model "
        "registry (mlaudit promote / mlaudit rollback)",
    )
    parser.add_argument(
        "--model",
        default=None,
        metavar="NAME",
        help="the registered model's name in the MLflow registry (with --registry mlflow)",
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
    from pytest_mlaudit.scaffold import install_plan, scaffold

    try:
        written = scaffold(
            args.dir,
            ci=args.ci,
            tests_dir=args.tests_dir,
            force=args.force,
            policy=not args.no_policy,
            registry=args.registry,
            model=args.model,
        )
    except (MlauditInputError, OSError) as exc:
        say(f"error: {exc}")
        return EXIT_USAGE
    for w in written:
        note = " (differs from the scaffold; --force overwrites)" if w.action == "kept" else ""
        print(f"{w.action:<11} {w.path}{note}")
    if any(w.action in ("created", "overwritten") for w in written):
        print(
            "\nnext: fill in the fixtures marked EDIT, then run "
            "`pytest --mlaudit-json=reports/audit.json`\n(each run that writes a record is "
            "appended to the audit history .mlaudit/history.sqlite)\nand "
            "`mlaudit retrain-check`."
        )
        if args.ci is not None:
            plan = install_plan(args.dir, tests_dir=args.tests_dir, registry=args.registry)
            print(f"CI installs with: {plan.command}\n  ({plan.found})")
        if args.registry == "mlflow":
            print(
                f"promotion: the aliases challenger and champion of {args.model!r} in the MLflow "
                "registry at MLFLOW_TRACKING_URI (a CI variable)."
            )
    return EXIT_OK
