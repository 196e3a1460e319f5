"""``mlaudit deploy-plan``: a Dockerfile, Kubernetes manifests and a cost table from the
capacity (and soak) checks of an audit record."""

from __future__ import annotations

import argparse

from pytest_mlaudit.cli._output import say

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mlaudit deploy-plan``."""
    parser.add_argument("record", metavar="RECORD.json", help="the audit record (mlaudit.json)")
    parser.add_argument(
        "--target-rps", type=float, required=True, help="the peak to serve, requests/s"
    )
    parser.add_argument(
        "--headroom", type=float, default=0.3, help="spare capacity above the peak (0.3 = 30%%)"
    )
    parser.add_argument("-o", "--output", metavar="DIR", default="deploy", help="where to write")
    parser.add_argument("--name", default="model-server", help="the app's name in the manifests")
    parser.add_argument("--app", default="server:app", help="the ASGI app uvicorn serves")
    parser.add_argument("--port", type=int, default=8000, help="the port the server listens on")
    parser.add_argument("--image", default=None, help="the image the manifests run (NAME:latest)")
    parser.add_argument("--base-image", default=None, help="the Dockerfile's FROM (exact tag)")
    parser.add_argument("--health-path", default=None, help="default: the capacity check's")
    parser.add_argument("--min-replicas", type=int, default=None, help="default: 2")
    parser.add_argument("--capacity-check", default=None, help="the capacity check's name")
    parser.add_argument("--soak-check", default=None, help="the soak check's name")
    parser.add_argument("--vcpu-hour", type=float, default=None, help="price of a vCPU-hour")
    parser.add_argument("--gib-hour", type=float, default=None, help="price of a GiB-hour")
    parser.add_argument("--currency", default="USD")
    parser.add_argument(
        "--prices", metavar="TOML", default=None, help="a file with vcpu_hour and gib_hour"
    )
    parser.add_argument("--ecs", action="store_true", help="also an ECS task definition")
    parser.add_argument("--cloud-run", action="store_true", help="also a Cloud Run service")


def run(args: argparse.Namespace) -> int:
    """Write the plan; print where, its numbers and the cost."""
    from pytest_mlaudit.deploy import (
        DEFAULT_BASE_IMAGE,
        Prices,
        load_prices,
        plan_from_record,
        write_plan,
    )
    from pytest_mlaudit.errors import MlauditInputError

    prices = None
    if args.prices is not None:
        prices = load_prices(args.prices)
    elif args.vcpu_hour is not None or args.gib_hour is not None:
        if args.vcpu_hour is None or args.gib_hour is None:
            raise MlauditInputError(
                "--vcpu-hour and --gib-hour go together (prices per vCPU-hour and per "
                f"GiB-hour); got --vcpu-hour={args.vcpu_hour} --gib-hour={args.gib_hour}."
            )
        prices = Prices(args.vcpu_hour, args.gib_hour, currency=args.currency)
    plan = plan_from_record(
        args.record,
        target_rps=args.target_rps,
        headroom=args.headroom,
        capacity_check=args.capacity_check,
        soak_check=args.soak_check,
        prices=prices,
        min_replicas=args.min_replicas,
        name=args.name,
        app=args.app,
        port=args.port,
        health_path=args.health_path,
        base_image=args.base_image or DEFAULT_BASE_IMAGE,
        image=args.image,
    )
    written = write_plan(plan, args.output, ecs=args.ecs, cloud_run=args.cloud_run)
    n = plan.numbers
    print(
        f"deployment plan for {plan.target_rps:g} rps with {100 * plan.headroom:g}% headroom: "
        f"{n['min_replicas'].text()}..{n['max_replicas'].text()} replicas of "
        f"{n['cpu_request'].text()} CPU / {n['memory_request_mib'].text()} MiB "
        f"(knee {n['knee_rps'].text()} rps per replica), HPA target CPU "
        f"{n['target_cpu_utilization'].text()}%"
    )
    row = plan.cost_at_headroom()
    if row is not None and plan.prices is not None:
        print(
            f"cost at the peak: {row.per_hour:.4f} {plan.prices.currency}/hour, "
            f"{row.per_million:.4f} {plan.prices.currency} per million predictions "
            "(other headrooms in PLAN.md)"
        )
    for warning in plan.warnings:
        say(f"warning: {warning}")
    for path in written:
        print(f"wrote {path}")
    return 0
