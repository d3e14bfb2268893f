"""``flask --app app import-linelist`` through Flask's CLI runner, on both stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from data.models import AnalysisCase, AnalysisOutbreak, AuditEvent
from graph.outbreak import find_outbreak
from tests.factories import make_actor

DATA = Path(__file__).resolve().parents[1] / "data" / "linelist"


@pytest.fixture
def runner(store):
    return create_app({"DATABASE_URL": store.url, "SECRET_KEY": "cli-tests"}).test_cli_runner()


def test_importing_from_the_command_line_prints_counts_and_stores_the_outbreak(runner, store):
    result = runner.invoke(
        args=["import-linelist", "--cases", str(DATA / "julebord_saker.csv"), "--links", str(DATA / "julebord_par.csv"),
              "--org-unit", "0301", "--label", "Julebord CLI"]
    )
    assert result.exit_code == 0, result.output
    assert "Importerte «Julebord CLI» i Oslo" in result.output
    assert "8 tilfeller, 6 par (0 urettede), 1 klynger" in result.output
    with store.session() as s:
        outbreak = s.scalar(select(AnalysisOutbreak))
        assert (outbreak.label, outbreak.case_count, outbreak.link_count, outbreak.created_by_id) == ("Julebord CLI", 8, 6, None)
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "linelist_imported"))
        assert (event.username, event.entity_id) == ("cli", outbreak.id)
        # The outbreak is then found by its label, as the spread-report command does.
        doctor = make_actor(s, "kommuneoverlege", "0301")
        assert find_outbreak(s, doctor, "Julebord CLI").id == outbreak.id


def test_a_rejected_file_prints_the_row_report_and_exits_with_1(runner, store):
    result = runner.invoke(
        args=["import-linelist", "--cases", str(DATA / "julebord_feil.csv"), "--org-unit", "0301", "--label", "Feil"]
    )
    assert result.exit_code == 1
    assert "Ingenting er lagret" in result.output
    assert "saksfil, rad 3, symptomstart:" in result.output
    assert "saksfil, rad 4, id: Samme id som rad 2" in result.output
    with store.session() as s:
        assert s.scalar(select(AnalysisOutbreak)) is None


def test_column_mapping_and_mode_options(runner, store, tmp_path):
    cases = tmp_path / "liste.csv"
    cases.write_text("Pasient;Syk fra;Sted\n1;01.12.2020;hjemme\n2;03.12.2020;hjemme\n", encoding="utf-8")
    result = runner.invoke(
        args=["import-linelist", "--cases", str(cases), "--org-unit", "4601", "--label", "Kartlagt", "--mode", "analysis",
              "--map", "Pasient=id", "--map", "Syk fra = symptomstart", "--map", "Sted=arena"]
    )
    assert result.exit_code == 0, result.output
    with store.session() as s:
        settings = set(s.scalars(select(AnalysisCase.setting)))
        assert settings == {"household"}
        assert s.scalar(select(AnalysisOutbreak.org_unit_id)) is not None


def test_unknown_org_unit_and_bad_mapping_are_refused(runner):
    unknown = runner.invoke(args=["import-linelist", "--cases", str(DATA / "julebord_saker.csv"), "--org-unit", "9999", "--label", "X"])
    assert unknown.exit_code == 2 and "Ukjent organisasjonsenhet" in unknown.output
    bad_map = runner.invoke(
        args=["import-linelist", "--cases", str(DATA / "julebord_saker.csv"), "--org-unit", "0301", "--label", "X", "--map", "uten likhetstegn"]
    )
    assert bad_map.exit_code == 2 and "kolonnekoblingen" in bad_map.output
    fylke = runner.invoke(args=["import-linelist", "--cases", str(DATA / "julebord_saker.csv"), "--org-unit", "03", "--label", "X"])
    assert fylke.exit_code == 1 and "organisasjonsenhet: Velg en kommune eller en bydel." in fylke.output
