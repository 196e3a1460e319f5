"""Data contracts (a CI gate before any statistics): does the batch keep the schema the
model was trained on?

Files: ``report.py`` the result types, ``check.py`` :func:`check_contract`, ``spec.py`` the
contract file (YAML) and its validation, ``infer.py`` drafting a contract from the reference.
"""

from __future__ import annotations

from pytest_mlaudit.checks.contract.check import check_contract
from pytest_mlaudit.checks.contract.infer import infer_contract
from pytest_mlaudit.checks.contract.report import ContractReport, RuleExample, RuleResult
from pytest_mlaudit.checks.contract.spec import (
    ColumnContract,
    Contract,
    read_contract,
    write_contract,
)

__all__ = [
    "ColumnContract",
    "Contract",
    "ContractReport",
    "RuleExample",
    "RuleResult",
    "check_contract",
    "infer_contract",
    "read_contract",
    "write_contract",
]
