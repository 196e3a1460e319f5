"""From measured capacity to deployment settings (``mlaudit deploy-plan``).

Files: ``plan.py`` the rules (:func:`make_plan`: every number with the measurement it
came from), ``cost.py`` (prices per vCPU-hour and GiB-hour, cost per hour and per
million predictions by headroom), ``render.py`` (the Dockerfile, Kubernetes manifests,
Cloud Run service and ECS task definition from ``templates/deploy/``), ``record.py``
(the capacity and soak checks of an audit record).
"""

from __future__ import annotations

from pytest_mlaudit.deploy.cost import CostRow, Prices, cost_rows, load_prices, replicas_for
from pytest_mlaudit.deploy.plan import DEFAULT_BASE_IMAGE, DeployPlan, Number, make_plan
from pytest_mlaudit.deploy.record import plan_from_record
from pytest_mlaudit.deploy.render import KUBERNETES_FILES, render, write_plan

__all__ = [
    "DEFAULT_BASE_IMAGE",
    "KUBERNETES_FILES",
    "CostRow",
    "DeployPlan",
    "Number",
    "Prices",
    "cost_rows",
    "load_prices",
    "make_plan",
    "plan_from_record",
    "render",
    "replicas_for",
    "write_plan",
]
