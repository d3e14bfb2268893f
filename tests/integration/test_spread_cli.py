"""``flask spread-report``: the report of an imported outbreak as JSON or as a table, found by its label."""

from __future__ import annotations

import json

import pytest

from app import create_app
from tests.integration.test_api_analytics import import_outbreak


def _run(store, *args: str):  # type: ignore[no-untyped-def]
    runner = create_app({"DATABASE_URL": store.url, "SECRET_KEY": "t"}).test_cli_runner()
    return runner.invoke(args=["spread-report", *args])


def test_spread_report_json_has_the_line_list_s_measures(store):
    import_outbreak(store, "Kor 2025")
    result = _run(store, "--label", "Kor 2025", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    overall = report["overall"]
    assert overall["cases"] == 6
    assert overall["offspring"]["r"]["value"] == pytest.approx(4 / 6)
    assert overall["serial_interval"]["mean"]["value"] == pytest.approx(5.0)
    assert {"value", "low", "high", "n", "missing", "method"} == set(overall["attack_rate"])
    assert report["kpis"]["chains"] == 2 and [c["size"] for c in report["chains"]] == [5, 1]


def test_spread_report_table_is_readable(store):
    import_outbreak(store, "Kor 2025")
    result = _run(store, "--label", "Kor 2025")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Smittespredning: Kor 2025 (Oslo), per 13.03.2025"
    table = {line.split("  ", 1)[0].strip(): line.split("  ", 1)[1].strip() for line in lines[2:]}
    assert table["Tilfeller (cases)"] == "6"
    assert table["R (95 % KI)"].startswith("0,67 (")
    assert table["SAR (secondary attack rate)"].startswith("100,0 %")
    assert table["Serieintervall (serial interval)"].startswith("5,0 (")
    assert table["Kjeder (chains)"].startswith("2, 2 aktive, største 5")
    assert "nan" not in result.output.lower()


def test_a_label_used_in_two_kommuner_needs_the_org_unit(store):
    import_outbreak(store, "Kor 2025", "0301")
    import_outbreak(store, "Kor 2025", "4601")
    ambiguous = _run(store, "--label", "Kor 2025", "--json")
    assert ambiguous.exit_code != 0 and "Flere utbrudd" in ambiguous.output
    bergen = _run(store, "--label", "Kor 2025", "--org-unit", "4601")
    assert bergen.exit_code == 0, bergen.output
    assert bergen.output.startswith("Smittespredning: Kor 2025 (Bergen)")


def test_unknown_label_or_org_unit_is_a_clear_error(store):
    import_outbreak(store, "Kor 2025")
    unknown = _run(store, "--label", "Korps 2025", "--json")
    assert unknown.exit_code != 0
    assert "utbrudd: Fant ikke noe utbrudd med etiketten «Korps 2025»" in unknown.output
    assert "Traceback" not in unknown.output
    elsewhere = _run(store, "--label", "Kor 2025", "--org-unit", "4601")
    assert elsewhere.exit_code != 0 and "Fant ikke" in elsewhere.output
    bad_unit = _run(store, "--label", "Kor 2025", "--org-unit", "9999")
    assert bad_unit.exit_code != 0 and "organisasjonsenhet" in bad_unit.output
