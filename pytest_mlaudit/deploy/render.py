"""Write a :class:`~pytest_mlaudit.deploy.plan.DeployPlan` as files.

The Dockerfile and the YAML manifests come from the templates under
``pytest_mlaudit/templates/deploy/`` (``string.Template``: ``$key`` is a number of the
plan, ``$key_src`` the measurement it came from, written as a comment beside it). The
ECS task definition is JSON, which has no comments: its numbers' sources are in
``ecs-task-definition.sources.txt`` beside it. ``PLAN.md`` lists every number, its
source, the warnings and the cost table.
"""

from __future__ import annotations

import json
import os
import string
from importlib import resources
from pathlib import Path

from pytest_mlaudit.deploy.plan import DeployPlan, template_values

__all__ = ["KUBERNETES_FILES", "render", "write_plan"]

#: The Kubernetes manifests, by file name (the template is ``<name>.tmpl``).
KUBERNETES_FILES = ("deployment.yaml", "hpa.yaml", "pdb.yaml")


def render(template: str, plan: DeployPlan) -> str:
    """The text of template ``template`` (e.g. ``"hpa.yaml"``) for ``plan``."""
    text = (
        resources.files("pytest_mlaudit") / "templates" / "deploy" / f"{template}.tmpl"
    ).read_text(encoding="utf-8")
    return string.Template(text).substitute(template_values(plan))


def _ecs(plan: DeployPlan) -> tuple[str, str]:
    n = plan.numbers
    cpu_units = round(n["cpu_limit"].value * 1024)
    definition = {
        "family": plan.name,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE", "EC2"],
        "cpu": str(cpu_units),
        "memory": n["memory_limit_mib"].text(),
        "containerDefinitions": [
            {
                "name": "server",
                "image": plan.image,
                "essential": True,
                "portMappings": [{"containerPort": plan.port, "protocol": "tcp"}],
                "cpu": cpu_units,
                "memory": int(n["memory_limit_mib"].value),
                "memoryReservation": int(n["memory_request_mib"].value),
                "user": "10001",
                "healthCheck": {
                    "command": [
                        "CMD",
                        "python",
                        "-c",
                        "import sys, urllib.request; sys.exit(urllib.request.urlopen("
                        f"'http://127.0.0.1:{plan.port}{plan.health_path}', timeout="
                        f"{n['readiness_timeout_s'].text()}).status != 200)",
                    ],
                    "interval": int(n["readiness_period_s"].value),
                    "timeout": int(n["readiness_timeout_s"].value),
                    "retries": int(n["failure_threshold"].value),
                },
            }
        ],
    }
    sources = [
        "Sources of the numbers in ecs-task-definition.json (JSON has no comments):",
        f"cpu {cpu_units} units = CPU limit {n['cpu_limit'].text()} x 1024: "
        f"{n['cpu_limit'].source}",
        f"memory {n['memory_limit_mib'].text()} MiB: {n['memory_limit_mib'].source}",
        f"memoryReservation {n['memory_request_mib'].text()} MiB: {n['memory_request_mib'].source}",
        f"containerPort {plan.port}: {n['port'].source}",
        f"healthCheck interval {n['readiness_period_s'].text()} s: "
        f"{n['readiness_period_s'].source}",
        f"healthCheck timeout {n['readiness_timeout_s'].text()} s: "
        f"{n['readiness_timeout_s'].source}",
        f"healthCheck retries {n['failure_threshold'].text()}: {n['failure_threshold'].source}",
        "Fargate accepts only some cpu/memory pairs: round up to the next valid one.",
    ]
    return json.dumps(definition, indent=2) + "\n", "\n".join(sources) + "\n"


def plan_markdown(plan: DeployPlan) -> str:
    """PLAN.md: the numbers and their sources, the warnings, the cost table."""
    lines = [
        f"# Deployment plan: {plan.name}",
        "",
        f"For a peak of {plan.target_rps:g} rps with {100 * plan.headroom:g}% headroom. "
        "Every number below comes from a measurement of the audit record, by the rules of "
        "docs/load.md.",
        "",
    ]
    if plan.evidence:
        lines += [f"- evidence: {k}: `{v}`" for k, v in plan.evidence.items()] + [""]
    for w in plan.warnings:
        lines.append(f"**Warning:** {w}")
        lines.append("")
    lines += ["| setting | value | from |", "| --- | --- | --- |"]
    lines += [f"| {k} | {v.text()} | {v.source} |" for k, v in plan.numbers.items()]
    lines.append("")
    if plan.costs and plan.prices is not None:
        p = plan.prices
        lines += [
            f"## Cost at the target peak ({p.vcpu_hour:g} {p.currency}/vCPU-hour, "
            f"{p.gib_hour:g} {p.currency}/GiB-hour, from {p.source}; billed on requests)",
            "",
            f"| headroom | replicas | {p.currency}/hour | {p.currency} per million predictions |",
            "| --- | --- | --- | --- |",
        ]
        for c in plan.costs:
            mark = " (this plan)" if abs(c.headroom - plan.headroom) < 1e-9 else ""
            lines.append(
                f"| {100 * c.headroom:g}%{mark} | {c.replicas} | {c.per_hour:.4f} | "
                f"{c.per_million:.4f} |"
            )
        lines.append("")
    return "\n".join(lines)


def write_plan(
    plan: DeployPlan,
    out_dir: str | os.PathLike[str],
    *,
    ecs: bool = False,
    cloud_run: bool = False,
) -> list[Path]:
    """Write the Dockerfile, ``k8s/`` manifests, PLAN.md (and ECS / Cloud Run files)."""
    out = Path(out_dir)
    (out / "k8s").mkdir(parents=True, exist_ok=True)
    written = [out / "Dockerfile"]
    written[0].write_text(render("Dockerfile", plan), encoding="utf-8")
    for name in KUBERNETES_FILES:
        path = out / "k8s" / name
        path.write_text(render(name, plan), encoding="utf-8")
        written.append(path)
    if cloud_run:
        path = out / "cloudrun.yaml"
        path.write_text(render("cloudrun.yaml", plan), encoding="utf-8")
        written.append(path)
    if ecs:
        definition, sources = _ecs(plan)
        (out / "ecs-task-definition.json").write_text(definition, encoding="utf-8")
        (out / "ecs-task-definition.sources.txt").write_text(sources, encoding="utf-8")
        written += [out / "ecs-task-definition.json", out / "ecs-task-definition.sources.txt"]
    (out / "PLAN.md").write_text(plan_markdown(plan), encoding="utf-8")
    written.append(out / "PLAN.md")
    return written
