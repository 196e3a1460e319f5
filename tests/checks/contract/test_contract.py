"""Data contracts: infer -> YAML -> edit -> check, every rule reported with counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from pytest_mlaudit import MlauditInputError, check_contract, infer_contract
from pytest_mlaudit.checks.contract import ContractReport, read_contract
from pytest_mlaudit.record import CheckEntry
from pytest_mlaudit.result import report_from_dict


def applicants(n: int, *, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "applicant_id": np.arange(seed * 1_000_000, seed * 1_000_000 + n),
            "age": rng.integers(21, 76, size=n),
            "income": np.round(rng.lognormal(10.6, 0.45, size=n), 2),
            "region": rng.choice(["north", "south", "east", "west"], size=n),
            "employment": rng.choice(["salaried", "self-employed", "retired"], size=n),
        }
    )


@pytest.fixture
def contract_file(tmp_path: Path) -> Path:
    contract = infer_contract(applicants(5000, seed=1), name="applicants", keys=["applicant_id"])
    return contract.save(tmp_path / "contracts" / "applicants.yaml")


def test_the_yaml_is_readable_and_round_trips(contract_file: Path) -> None:
    text = contract_file.read_text()
    assert text.startswith("# mlaudit data contract (format 1): review it")
    assert "a contract inferred from the data it checks proves nothing" in text
    data = yaml.safe_load(text)
    assert data["contract"] == "applicants"
    assert data["columns"]["applicant_id"] == {"type": "int", "max_null_rate": 0.02, "unique": True}
    assert data["columns"]["region"]["allowed"] == ["east", "north", "south", "west"]
    age = data["columns"]["age"]
    assert age["type"] == "int" and age["min"] <= 21 and age["max"] >= 75
    again = read_contract(contract_file)
    assert yaml.safe_load(again.to_yaml()) == data
    assert "min" not in data["columns"]["applicant_id"]  # keys get no range


def test_a_clean_batch_from_the_same_population_passes(contract_file: Path) -> None:
    report = check_contract(applicants(2000, seed=2), contract_file)
    assert report.passed, report.summary()
    assert report.headline().statistic == 0
    assert len(report.rules) >= 5 * 3


def test_every_broken_rule_is_reported_with_counts(contract_file: Path) -> None:
    batch = applicants(1000, seed=3)
    batch = batch.rename(columns={"employment": "employment_status"})  # a renamed column
    batch.loc[:49, "region"] = "online"  # a new category (50 rows)
    batch.loc[50:52, "age"] = [150, 160, -3]  # out of range (2 high, 1 low)
    batch.loc[100:299, "income"] = np.nan  # a null-rate jump: 20% missing
    batch.loc[300:303, "applicant_id"] = batch.loc[304, "applicant_id"]  # duplicated keys
    batch["age"] = batch["age"].astype(str)  # the wrong dtype
    batch.loc[400, "age"] = "unknown"
    report = check_contract(batch, contract_file)
    broken = {(r.column, r.rule): r for r in report.violations}
    assert set(broken) == {
        ("employment", "required"),
        ("region", "allowed"),
        ("age", "type"),
        ("income", "max_null_rate"),
        ("applicant_id", "unique"),
    }
    assert broken[("region", "allowed")].failed == 50
    assert broken[("region", "allowed")].examples[0].value == "'online'"
    assert broken[("income", "max_null_rate")].failed == 200
    assert "20% missing" in broken[("income", "max_null_rate")].observed
    assert broken[("applicant_id", "unique")].failed == 5  # 4 copies + the original
    assert broken[("age", "type")].failed == 1000  # every value is text now
    assert "there is" not in broken[("employment", "required")].observed
    assert not report.passed
    text = report.summary()
    for column in ("employment", "region", "age", "income", "applicant_id"):
        assert column in text


def test_ranges_are_checked_on_the_values_of_the_right_type(contract_file: Path) -> None:
    batch = applicants(1000, seed=4)
    batch["age"] = batch["age"].astype(float)
    batch.loc[:2, "age"] = [150.0, 160.0, -3.0]
    batch.loc[3, "age"] = 30.5  # not an integer
    report = check_contract(batch, contract_file)
    broken = {(r.column, r.rule): r.failed for r in report.violations}
    assert broken == {("age", "max"): 2, ("age", "min"): 1, ("age", "type"): 1}


def test_an_edited_contract_is_what_is_checked(contract_file: Path) -> None:
    data = yaml.safe_load(contract_file.read_text())
    data["columns"]["region"]["allowed"].append("online")  # a reviewed change
    data["rows"] = {"min": 500}
    data["extra_columns"] = "refuse"
    contract_file.write_text(yaml.safe_dump(data, sort_keys=False))
    batch = applicants(300, seed=5)
    batch.loc[:9, "region"] = "online"
    batch["score"] = 0.5
    report = check_contract(batch, contract_file)
    broken = {(r.column, r.rule): r for r in report.violations}
    assert set(broken) == {(None, "rows"), (None, "extra_columns")}
    assert broken[(None, "rows")].observed == "300 rows"
    assert broken[(None, "extra_columns")].examples[0].value == "score"


def test_files_as_inputs(contract_file: Path, tmp_path: Path) -> None:
    for day in (1, 2):
        applicants(400, seed=10 + day).to_csv(tmp_path / f"batch-{day}.csv", index=False)
    report = check_contract(str(tmp_path / "batch-*.csv"), contract_file)
    assert report.passed and report.rows == 800
    reference = tmp_path / "reference.csv"
    applicants(1000, seed=1).to_csv(reference, index=False)
    drafted = infer_contract(reference, name="from-a-file", columns=["age", "region"])
    assert [c.name for c in drafted.columns] == ["age", "region"]


def test_record_round_trip_and_measures(contract_file: Path) -> None:
    batch = applicants(500, seed=6)
    batch.loc[:4, "region"] = "online"
    report = check_contract(batch, contract_file, max_examples=2)
    again = report_from_dict(report.to_dict())
    assert isinstance(again, ContractReport) and again == report
    entry = CheckEntry.from_report("contract", report)
    measured = {(m.subject, m.name): (m.statistic, m.breached) for m in entry.measures}
    assert measured[("region", "allowed")] == (5, True)
    assert measured[("age", "type")] == (0, False)
    assert all(len(r.examples) <= 2 for r in report.rules)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["columns"]["age"].update(type="integer"),
            r"columns\.age\.type must be one of",
        ),
        (lambda d: d["columns"]["age"].update(mini=3), r"columns\.age has unknown rule\(s\) mini"),
        (
            lambda d: d["columns"]["age"].update(min=100, max=1),
            r"columns\.age\.min \(100\) is above",
        ),
        (lambda d: d["columns"]["region"].update(min=0), "only int and float columns take"),
        (lambda d: d["columns"]["age"].update(max_null_rate=2), "max_null_rate must be a rate"),
        (lambda d: d.update(rows={"min": -1}), r"rows\.min must be an integer >= 0"),
        (lambda d: d.update(extra_columns="maybe"), "extra_columns must be 'allow' or 'refuse'"),
        (lambda d: d.update(format=9), "format 9 is not one this version reads"),
        (lambda d: d.pop("columns"), "columns must be a mapping"),
    ],
)
def test_a_bad_contract_file_names_the_key(contract_file: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(contract_file.read_text())
    edit(data)
    contract_file.write_text(yaml.safe_dump(data))
    with pytest.raises(MlauditInputError, match=message) as info:
        read_contract(contract_file)
    assert str(contract_file) in str(info.value)


def test_bad_inputs(tmp_path: Path, contract_file: Path) -> None:
    with pytest.raises(MlauditInputError, match="no contract at"):
        check_contract(applicants(10, seed=1), tmp_path / "missing.yaml")
    (tmp_path / "broken.yaml").write_text("contract: [unclosed")
    with pytest.raises(MlauditInputError, match="is not valid YAML"):
        read_contract(tmp_path / "broken.yaml")
    with pytest.raises(MlauditInputError, match="contract must be the path of a contract file"):
        check_contract(applicants(10, seed=1), 42)
    with pytest.raises(MlauditInputError, match="matches no file"):
        check_contract(str(tmp_path / "nothing-*.csv"), contract_file)
    with pytest.raises(MlauditInputError, match=r"\['nope'\] not in the reference"):
        infer_contract(applicants(10, seed=1), keys=["nope"])
    with pytest.raises(MlauditInputError, match="max_examples must be an integer >= 0"):
        check_contract(applicants(10, seed=1), contract_file, max_examples=-1)


def test_the_contract_marker_sets_defaults(pytester: pytest.Pytester, contract_file: Path) -> None:
    pytester.makepyfile(
        test_batch=f"""
import pandas as pd
import pytest

@pytest.mark.contract(max_examples=1)
def test_batch(mlaudit):
    batch = pd.DataFrame({{"age": [30, 500, 600], "region": ["north", "mars", "venus"]}})
    mlaudit.contract(batch, {str(contract_file)!r}).assert_ok()
"""
    )
    result = pytester.runpytest_subprocess("--mlaudit-json=audit.json")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*contract FAILED: * rules broken in 3 rows against 'applicants'*", "FAIL contract *"]
    )
    import json

    record = json.loads((pytester.path / "audit.json").read_text())
    (entry,) = record["checks"]
    assert entry["markers"] == ["contract"]
    assert all(len(r["examples"]) <= 1 for r in entry["result"]["rules"])


def test_clean_batches_rarely_break_an_inferred_contract() -> None:
    """Sample extremes are unstable: the default margin must not cry wolf on clean data."""
    contract = infer_contract(applicants(20_000, seed=1), name="applicants", keys=["applicant_id"])
    broken = [
        s for s in range(40) if not check_contract(applicants(5000, seed=100 + s), contract).passed
    ]
    assert len(broken) <= 1, broken
    tight = infer_contract(
        applicants(20_000, seed=1), name="applicants", margin=0.0, keys=["applicant_id"]
    )
    assert (
        sum(not check_contract(applicants(5000, seed=100 + s), tight).passed for s in range(40)) > 5
    )


def test_real_problems_break_an_inferred_contract() -> None:
    contract = infer_contract(applicants(20_000, seed=1), name="applicants", keys=["applicant_id"])
    cents = applicants(1000, seed=9).assign(income=lambda d: d["income"] * 100)
    sentinel = applicants(1000, seed=9)
    sentinel.loc[:9, "age"] = -1
    for batch, rule in ((cents, ("income", "max")), (sentinel, ("age", "min"))):
        assert rule in {(r.column, r.rule) for r in check_contract(batch, contract).violations}


def test_a_pandera_schema_is_validated_lazily() -> None:
    pa = pytest.importorskip("pandera.pandas")
    schema = pa.DataFrameSchema(
        {
            "age": pa.Column(int, pa.Check.in_range(18, 100)),
            "region": pa.Column(str, pa.Check.isin(["north", "south"])),
        },
        name="applicants",
    )
    batch = pd.DataFrame({"age": [30, 150, 12, 40], "region": ["north", "mars", "south", "x"]})
    report = check_contract(batch, schema)
    assert report.engine == "pandera" and report.contract == "applicants"
    broken = {(r.column, r.rule): r for r in report.violations}
    assert {k: v.failed for k, v in broken.items()} == {
        ("age", "in_range(18, 100)"): 2,
        ("region", "isin(['north', 'south'])"): 2,
    }
    assert {e.value for e in broken[("age", "in_range(18, 100)")].examples} == {"150", "12"}
    assert check_contract(batch.iloc[[0]], schema).passed


def test_parquet_files_read_only_the_columns_asked(tmp_path: Path, contract_file: Path) -> None:
    pytest.importorskip("pyarrow")
    for day in (1, 2):
        applicants(300, seed=20 + day).to_parquet(tmp_path / f"day-{day}.parquet")
    report = check_contract(str(tmp_path / "day-*.parquet"), contract_file)
    assert report.passed and report.rows == 600
    from pytest_mlaudit.io.files import read_table

    frame = read_table(tmp_path / "day-1.parquet", name="data", columns=["age"])
    assert list(frame.columns) == ["age"]
    with pytest.raises(MlauditInputError, match="could not be read"):
        read_table(tmp_path / "day-1.parquet", name="data", columns=["nope"])
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(MlauditInputError, match=r"broken\.parquet"):
        read_table(tmp_path / "broken.parquet", name="data")
