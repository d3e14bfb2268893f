"""The demo's simulated outbreak: imported through the line-list import, analysed, and its estimates cover the
parameters it was drawn from (R 0.9, k 0.2; the outbreak ran until it died out, so nothing is censored)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from data.models import AnalysisCase, AnalysisOutbreak
from graph.demo_outbreak import LABEL, TRUTH, import_demo_outbreak
from graph.measures import spread_report
from graph.outbreak import find_outbreak, load_outbreak_graph
from tests.factories import make_actor

TODAY = dt.date(2026, 11, 23)


def test_the_demo_outbreak_is_imported_once_and_its_estimates_cover_the_truth(store):
    with store.session() as session:
        first = import_demo_outbreak(session, "0301", TODAY)
    with store.session() as session:
        again = import_demo_outbreak(session, "0301", TODAY)  # a demo refresh replaces it
        assert session.scalar(select(func.count()).select_from(AnalysisOutbreak)) == 1
        assert session.scalar(select(func.count()).select_from(AnalysisCase)) == again.cases == first.cases
        doctor = make_actor(session, "kommuneoverlege", "0301")
        outbreak = find_outbreak(session, doctor, LABEL)
        graph = load_outbreak_graph(session, doctor, outbreak.id)

    report = spread_report(graph)
    fit = report.overall.offspring
    assert report.kpis.chains == 30  # one per introduction
    assert fit.r.covers(TRUTH["r"]), fit.r
    assert fit.k.covers(TRUTH["k"]), fit.k
    assert report.overall.serial_interval.mean.covers(TRUTH["si_mean"]), report.overall.serial_interval.mean
    assert all(n.date is None or n.date < TODAY - dt.timedelta(days=30) for n in graph.nodes.values())
