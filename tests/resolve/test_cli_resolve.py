"""`casebook eval resolve` as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "resolve"
ENV = {**os.environ, "CASEBOOK_USER": "tester", "COLUMNS": "120"}


def casebook(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "casebook", *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )


def test_cli_eval_resolve_prints_pair_and_cluster_scores_as_json() -> None:
    result = casebook("eval", "resolve", str(DATA), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"pairs", "clusters"}
    assert {"precision", "recall", "f1", "tp", "fp", "fn", "tn", "threshold"} <= set(
        report["pairs"]
    )
    assert {"pairwise", "bcubed", "mentions", "gold_clusters"} <= set(report["clusters"])
    for scores in (report["pairs"], report["clusters"]["pairwise"], report["clusters"]["bcubed"]):
        assert isinstance(scores["f1"], float) and 0.0 <= scores["f1"] <= 1.0


def test_cli_eval_resolve_prints_tables() -> None:
    result = casebook("eval", "resolve", str(DATA), "--threshold", "0.9")
    assert result.returncode == 0, result.stderr
    assert "Name pairs" in result.stdout and "bcubed" in result.stdout


def test_cli_eval_resolve_missing_folder_is_one_line_error(tmp_path: Path) -> None:
    result = casebook("eval", "resolve", str(tmp_path / "nope"))
    assert result.returncode != 0
    assert "error:" in result.stderr and "not a folder" in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
