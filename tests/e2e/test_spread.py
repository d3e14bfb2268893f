"""Smittespredning in headless Chromium on the shared demo store: the network renders, layouts switch, the replay
slider hides what came later, a tapped node opens the (audited) case summary, a kommune never sees another
kommune's nodes, FHI gets aggregates only, large graphs fall back to the chain overview, and no WCAG 2.1 A/AA
violations. Nothing here changes demo data (opening a case only adds its audit event).

The network is read through Cytoscape's own object: dash-cytoscape registers it on its container
(``document.getElementById(id)._cyreg.cy``).
"""

from __future__ import annotations

from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import text

from app import create_dash
from data.db import Store
from tests.e2e.browser import axe_violations, log_in

TIMEOUT = 45  # the first load draws the network, the figures and the grid on a shared machine
NET = "spread-network"
OSLO_PATH = "/NO/03/0301/"
BERGEN_PATH = "/NO/46/4601/"


# --- helpers ------------------------------------------------------------------------------------------------


def _start(dash_duo: Any, db_url: str, **config: Any) -> str:
    app = create_dash({"DATABASE_URL": db_url, "DEMO": True, "SECRET_KEY": "browser-tests", **config})
    dash_duo.start_server(app, navigate=False)
    return dash_duo.server.url.rstrip("/")


def _open(dash_duo: Any, base: str, username: str, path: str = "/smittespredning") -> None:
    log_in(dash_duo, base, username)
    dash_duo.wait_for_element("#shell-user", timeout=TIMEOUT)
    dash_duo.driver.get(base + path)
    dash_duo.wait_for_element("#spread-kpi-kjeder", timeout=TIMEOUT)


def _cy(dash_duo: Any, script: str, *args: Any) -> Any:
    """Run ``script`` with ``cy`` bound to the network's Cytoscape core (None while there is none)."""
    return dash_duo.driver.execute_script(
        f"const el = document.getElementById('{NET}'); const cy = el && el._cyreg && el._cyreg.cy;"
        " if (!cy) { return null; } " + script,
        *args,
    )


def _until(dash_duo: Any, predicate: Any, timeout: float = TIMEOUT) -> Any:
    return WebDriverWait(dash_duo.driver, timeout, poll_frequency=0.2).until(lambda _d: predicate())


def _node_ids(dash_duo: Any) -> list[str]:
    return _cy(dash_duo, "return cy.nodes().map(n => n.id());") or []


def _wait_for_network(dash_duo: Any) -> list[str]:
    _until(dash_duo, lambda: len(_node_ids(dash_duo)) > 0)
    return _node_ids(dash_duo)


def _position(dash_duo: Any, node_id: str) -> tuple[float, float]:
    p = _cy(dash_duo, "const p = cy.getElementById(arguments[0]).position(); return [p.x, p.y];", node_id)
    return (round(p[0], 1), round(p[1], 1))


def _click(dash_duo: Any, element: Any) -> None:
    dash_duo.driver.execute_script(
        "document.documentElement.style.scrollBehavior = 'auto'; arguments[0].scrollIntoView({block: 'center'});", element
    )
    element.click()


def _choose_layout(dash_duo: Any, label: str) -> None:
    choice = dash_duo.driver.find_element(By.XPATH, f"//div[@id='spread-layout']//label[normalize-space(.)='{label}']")
    _click(dash_duo, choice)


def _tap(dash_duo: Any, node_id: str) -> None:
    _cy(dash_duo, "cy.getElementById(arguments[0]).emit('tap'); return true;", node_id)


def _sql(db_url: str, statement: str, **params: Any) -> list[Any]:
    store = Store(db_url)
    with store.engine.connect() as conn:
        rows = conn.execute(text(statement), params).all()
    store.dispose()
    return rows


def _case_ids_under(db_url: str, path: str) -> set[int]:
    rows = _sql(
        db_url,
        'SELECT c.id FROM "case" c JOIN org_unit o ON o.id = c.org_unit_id WHERE o.path LIKE :p',
        p=path + "%",
    )
    return {r[0] for r in rows}


def _persons_with_case_under(db_url: str, path: str) -> set[int]:
    rows = _sql(
        db_url,
        'SELECT DISTINCT c.person_id FROM "case" c JOIN org_unit o ON o.id = c.org_unit_id WHERE o.path LIKE :p',
        p=path + "%",
    )
    return {r[0] for r in rows}


def _audits(db_url: str, action: str, case_id: int) -> int:
    rows = _sql(
        db_url,
        "SELECT count(*) FROM audit_event WHERE action = :a AND entity_id = :c",
        a=action,
        c=case_id,
    )
    return rows[0][0]


# --- journeys -------------------------------------------------------------------------------------------------


def test_kommuneoverlege_explores_the_network_and_opens_a_case(dash_duo, demo_db_url):
    base = _start(dash_duo, demo_db_url)

    # Given overlege.oslo on Smittespredning
    _open(dash_duo, base, "overlege.oslo")

    # Then the network is drawn from server-side positions, only with Oslo's cases
    ids = _wait_for_network(dash_duo)
    case_ids = {int(i[1:]) for i in ids if i.startswith("c")}
    assert case_ids and case_ids <= _case_ids_under(demo_db_url, OSLO_PATH)
    assert _cy(dash_duo, "return cy.autoungrabify();") is True
    assert _cy(dash_duo, "return cy.nodes().every(n => n.data('label').startsWith('Sak ') || n.data('label').startsWith('Kontakt '));")
    # and the picture has a text alternative naming what it shows
    summary = dash_duo.driver.find_element(By.ID, "spread-network-summary").get_attribute("textContent")
    assert summary.startswith(f"Nettverket viser {len(case_ids)} tilfeller i ")

    # When the doctor switches from bubbles to the hierarchical layout and on to the timeline
    node = next(i for i in ids if i.startswith("c"))
    bubble = _position(dash_duo, node)
    expected = _cy(dash_duo, "return cy.getElementById(arguments[0]).data('pos');", node)
    _choose_layout(dash_duo, "Hierarkisk")
    _until(dash_duo, lambda: _position(dash_duo, node) != bubble)
    assert _position(dash_duo, node) == tuple(expected["hierarchical"])
    _choose_layout(dash_duo, "Tidslinje")
    _until(dash_duo, lambda: _position(dash_duo, node) == tuple(expected["timeline"]))
    assert expected["timeline"] != expected["hierarchical"]

    # When the replay slider is moved back to the first day
    total = len(ids)
    assert _cy(dash_duo, "return cy.nodes('.future').length;") == 0
    thumb = dash_duo.find_element("#spread-day [role=slider]")
    _click(dash_duo, thumb)
    thumb.send_keys(Keys.HOME)
    # then the later nodes get the "future" class and are hidden; the status line says how many are left
    _until(dash_duo, lambda: _cy(dash_duo, "return cy.nodes('.future').length;") > 0)
    visible = _cy(dash_duo, "return cy.nodes(':visible').length;")
    assert 0 < visible < total
    dash_duo.wait_for_contains_text("#spread-replay-status", "Tilstanden per", timeout=TIMEOUT)
    assert thumb.get_attribute("aria-label")
    # and moving it to the end shows everything again
    thumb.send_keys(Keys.END)
    _until(dash_duo, lambda: _cy(dash_duo, "return cy.nodes('.future').length;") == 0)
    assert _cy(dash_duo, "return cy.nodes(':visible').length;") == total

    # When "Spill av" is pressed, the replay starts from the first day and moves forward by itself
    play = dash_duo.find_element("#spread-play")
    _click(dash_duo, play)
    dash_duo.wait_for_text_to_equal("#spread-play", "Pause", timeout=TIMEOUT)
    first = int(thumb.get_attribute("aria-valuenow"))
    _until(dash_duo, lambda: int(thumb.get_attribute("aria-valuenow")) > first)
    _click(dash_duo, play)
    dash_duo.wait_for_text_to_equal("#spread-play", "Spill av", timeout=TIMEOUT)
    thumb.send_keys(Keys.END)
    _until(dash_duo, lambda: _cy(dash_duo, "return cy.nodes('.future').length;") == 0)

    # When the doctor marks one cluster, its nodes keep their colour and the others fade
    values = [o.get_attribute("value") for o in dash_duo.driver.find_elements(By.CSS_SELECTOR, "#spread-highlight option")]
    cluster = next(v for v in values if v and v != "ingen")  # "ingen": no cluster marked
    Select(dash_duo.find_element("#spread-highlight")).select_by_value(cluster)
    cluster_class = "cluster-" + cluster
    dash_duo.wait_for_contains_text("#spread-highlight-status", "noder i klyngen er markert", timeout=TIMEOUT)
    assert _cy(dash_duo, "return cy.nodes().every(n => n.hasClass(arguments[0]) !== n.hasClass('faded'));", cluster_class)
    assert 0 < _cy(dash_duo, "return cy.nodes('.faded').length;") < total
    Select(dash_duo.find_element("#spread-highlight")).select_by_visible_text("– ingen –")
    _until(dash_duo, lambda: _cy(dash_duo, "return cy.nodes('.faded').length;") == 0)

    # When the doctor taps a case
    case_id = min(case_ids)
    person_id = _sql(demo_db_url, 'SELECT person_id FROM "case" WHERE id = :c', c=case_id)[0][0]
    before = _audits(demo_db_url, "case_viewed", case_id)
    _tap(dash_duo, f"c{case_id}")
    # then the side panel shows its summary with a link to the person page, and the read is audited
    dash_duo.wait_for_text_to_equal("#spread-panel-case", f"Sak {case_id}", timeout=TIMEOUT)
    link = dash_duo.find_element("#spread-panel-person")
    assert link.get_attribute("href").endswith(f"/person/{person_id}")
    _until(dash_duo, lambda: _audits(demo_db_url, "case_viewed", case_id) == before + 1)

    # And the cluster table lists clusters with R, k and SAR as "verdi (KI lav–høy)" or "for lite data"
    dash_duo.wait_for_element("#spread-cluster-grid .ag-row", timeout=TIMEOUT)
    rows = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#spread-cluster-grid .ag-center-cols-container .ag-row")
    assert rows
    for col in ("sar", "r", "k"):
        cells = [c.text for c in dash_duo.driver.find_elements(By.CSS_SELECTOR, f"#spread-cluster-grid .ag-cell[col-id='{col}']")]
        assert cells and all("KI" in c or c == "for lite data" for c in cells), (col, cells)
    assert dash_duo.driver.find_elements(By.CSS_SELECTOR, "#spread-cluster-grid .ag-cell[col-id='cluster'] a[href^='/klynge/']")

    # And the page has no WCAG 2.1 A/AA violations
    assert axe_violations(dash_duo.driver) == []


def test_a_kommune_never_sees_another_kommunes_nodes(dash_duo, demo_db_url):
    base = _start(dash_duo, demo_db_url)

    # Given overlege.bergen on Smittespredning
    _open(dash_duo, base, "overlege.bergen")
    ids = _wait_for_network(dash_duo)

    # Then every case drawn is one of Bergen's, and every contact drawn is followed up in Bergen
    case_ids = {int(i[1:]) for i in ids if i.startswith("c")}
    contact_person_ids = {int(i[1:]) for i in ids if i.startswith("p")}
    assert case_ids
    assert case_ids <= _case_ids_under(demo_db_url, BERGEN_PATH)
    assert not case_ids & _case_ids_under(demo_db_url, OSLO_PATH)
    assert contact_person_ids <= _persons_with_case_under(demo_db_url, BERGEN_PATH)
    # and the unit chooser offers Bergen's units only
    units = [o.text for o in dash_duo.driver.find_elements(By.CSS_SELECTOR, "#spread-unit option")]
    assert units and not any("Oslo" in u for u in units)


def test_fhi_sees_aggregates_but_no_network(dash_duo, demo_db_url):
    base = _start(dash_duo, demo_db_url)

    # Given the FHI user on Smittespredning
    _open(dash_duo, base, "fhi")

    # Then the KPIs, the chain-size histogram, the epicurve and the per-setting table are there
    _until(dash_duo, lambda: dash_duo.find_element("#spread-kpi-kjeder").text not in ("", "0"))
    dash_duo.wait_for_element("#spread-epicurve .main-svg", timeout=TIMEOUT)
    dash_duo.wait_for_element("#spread-histogram .main-svg", timeout=TIMEOUT)
    _until(dash_duo, lambda: len(dash_duo.driver.find_elements(By.CSS_SELECTOR, "#spread-epicurve .trace.bars")) > 0)
    dash_duo.wait_for_element("#spread-settings-table tbody tr", timeout=TIMEOUT)
    # but no network, no node panel, no cluster table and no link to a person
    driver = dash_duo.driver
    assert not driver.find_elements(By.ID, NET)
    assert not driver.find_elements(By.ID, "spread-panel")
    assert not driver.find_elements(By.ID, "spread-cluster-grid")
    assert not driver.find_elements(By.CSS_SELECTOR, "a[href^='/person/'], a[href^='/klynge/']")
    # and the epicurve cannot be split by cluster
    assert not driver.find_elements(By.CSS_SELECTOR, "#spread-epicurve-stack input[value='cluster']")
    assert axe_violations(driver) == []


def test_large_graphs_show_one_node_per_chain_and_drill_into_one(dash_duo, demo_db_url):
    # Given a node limit far below Oslo's graph
    base = _start(dash_duo, demo_db_url, SPREAD_MAX_NODES=20)
    _open(dash_duo, base, "overlege.oslo")

    # Then the network is the overview: one node per chain (and per cluster), no single case
    _until(dash_duo, lambda: (_cy(dash_duo, "return cy.nodes('.chain').length;") or 0) > 0)
    chains = int(dash_duo.find_element("#spread-kpi-kjeder").text)
    assert _cy(dash_duo, "return cy.nodes('.chain').length;") == chains
    assert not [i for i in _node_ids(dash_duo) if i[0] in "cp" and not i.startswith(("chain-", "cluster-"))]

    # When the doctor taps the largest chain
    chain = _cy(
        dash_duo,
        "const n = cy.nodes('.chain').sort((a, b) => b.data('cases') - a.data('cases'))[0];"
        " return {id: n.id(), chain: n.data('chain'), cases: n.data('cases')};",
    )
    _tap(dash_duo, chain["id"])

    # Then that chain is drawn case by case, and nothing else
    _until(dash_duo, lambda: (_cy(dash_duo, "return cy.nodes('.chain').length;") or 0) == 0 and len(_node_ids(dash_duo)) > 0)
    kinds = _cy(dash_duo, "return cy.nodes().map(n => [n.data('kind'), n.data('chain')]);")
    assert sum(1 for kind, _ in kinds if kind != "contact") == chain["cases"]
    assert {c for kind, c in kinds if kind != "contact"} == {chain["chain"]}
    dash_duo.wait_for_text_to_equal("#spread-kpi-kjeder", "1", timeout=TIMEOUT)

    # When the doctor goes back
    _click(dash_duo, dash_duo.find_element("#spread-back"))
    # then the overview is back
    _until(dash_duo, lambda: (_cy(dash_duo, "return cy.nodes('.chain').length;") or 0) == chains)

    # And a changed filter leaves a chain for the new scope's overview
    _tap(dash_duo, chain["id"])
    _until(dash_duo, lambda: (_cy(dash_duo, "return cy.nodes('.chain').length;") or 0) == 0 and len(_node_ids(dash_duo)) > 0)
    _click(dash_duo, dash_duo.find_element("#spread-apply"))
    _until(dash_duo, lambda: (_cy(dash_duo, "return cy.nodes('.chain').length;") or 0) == chains)
    assert not dash_duo.driver.find_elements(By.ID, "spread-back")

    # And a link to a chain that is not in the scope says so and shows the whole scope
    dash_duo.driver.get(f"{base}/smittespredning?kjede=c999999")
    dash_duo.wait_for_contains_text("#spread-message", "Fant ikke kjeden", timeout=TIMEOUT)
    _until(dash_duo, lambda: (_cy(dash_duo, "return cy.nodes('.chain').length;") or 0) == chains)

    # And a link with ?kjede=<id> opens the chain directly
    dash_duo.driver.get(f"{base}/smittespredning?kjede={chain['chain']}")
    _until(dash_duo, lambda: len(_node_ids(dash_duo)) > 0 and (_cy(dash_duo, "return cy.nodes('.chain').length;") == 0))
    kinds = _cy(dash_duo, "return cy.nodes().map(n => n.data('kind'));")
    assert sum(1 for kind in kinds if kind != "contact") == chain["cases"]


def _copy_with_outbreak(demo_db_url: str, tmp_path: Any) -> tuple[str, int]:
    """A copy of the demo store (the shared one stays as it is) with a small analysis outbreak in Oslo:
    1 -> 2 -> 3, 1 -> 4 (all at "Korøvelsen"), and 5 alone."""
    import datetime as dt
    import shutil
    from pathlib import Path

    from data.models import AnalysisCase, AnalysisLink, AnalysisOutbreak
    from data.orgunits import by_code

    source = Path(demo_db_url.removeprefix("sqlite:///"))
    target = tmp_path / "outbreak.sqlite"
    shutil.copy(source, target)
    url = f"sqlite:///{target}"
    store = Store(url)
    day = dt.date(2026, 3, 2)
    with store.session() as session:
        outbreak = AnalysisOutbreak(label="Korutbrudd e2e", org_unit_id=by_code(session, "0301").id, mode="analysis")
        session.add(outbreak)
        session.flush()
        cases = [
            AnalysisCase(
                outbreak_id=outbreak.id, external_id=f"K{i}", symptom_onset=day + dt.timedelta(days=3 * (i - 1)),
                cluster_name="Korøvelsen" if i < 5 else None, setting="event" if i < 5 else None, row_number=i,
            )
            for i in range(1, 6)
        ]
        session.add_all(cases)
        session.flush()
        for a, b in ((0, 1), (1, 2), (0, 3)):
            session.add(AnalysisLink(outbreak_id=outbreak.id, infector_id=cases[a].id, infectee_id=cases[b].id, directed=True))
        outbreak_id = outbreak.id
    store.dispose()
    return url, outbreak_id


def test_an_imported_outbreak_is_chosen_by_link_and_drawn_without_persons(dash_duo, demo_db_url, tmp_path):
    url, outbreak_id = _copy_with_outbreak(demo_db_url, tmp_path)
    base = _start(dash_duo, url)

    # Given a link to the outbreak's analysis
    _open(dash_duo, base, "overlege.oslo", f"/smittespredning?utbrudd={outbreak_id}")

    # Then the outbreak is the data source and its five line-list cases are drawn, in two chains
    _until(dash_duo, lambda: sorted(i[0] for i in _node_ids(dash_duo)) == ["a"] * 5)
    dash_duo.wait_for_text_to_equal("#spread-kpi-kjeder", "2", timeout=TIMEOUT)
    dash_duo.wait_for_contains_text("#spread-source", "Analyse: Korutbrudd e2e", timeout=TIMEOUT)
    assert dash_duo.driver.find_element(By.ID, "spread-source").get_attribute("value") == f"utbrudd:{outbreak_id}"

    # When a case is tapped, the panel shows the row's dates and cluster, and no person link
    _tap(dash_duo, _node_ids(dash_duo)[0])
    dash_duo.wait_for_contains_text("#spread-panel", "ingen personside", timeout=TIMEOUT)
    assert "Korøvelsen" in dash_duo.find_element("#spread-panel").text
    assert not dash_duo.driver.find_elements(By.ID, "spread-panel-person")
    # and the cluster table names the outbreak's cluster without linking to a register cluster
    _until(dash_duo, lambda: "Korøvelsen" in dash_duo.find_element("#spread-cluster-grid").text)
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, "#spread-cluster-grid a[href^='/klynge/']")


# --- below the browser: what the page's pieces print ------------------------------------------------------------


def test_estimates_read_as_norwegian_value_and_interval():
    from components.network import estimate_text
    from graph.estimate import Estimate

    def plain(text: str) -> str:  # the no-break space and word joiners that keep the interval on one line
        return text.replace("\u00a0", " ").replace("\u2060", "")

    assert plain(estimate_text(Estimate(1.234, 0.9, 1.5, n=40))) == "1,23 (KI 0,90–1,50)"
    assert plain(estimate_text(Estimate(0.125, 0.05, 0.25, n=40), digits=1, percent=True)) == "12,5 % (KI 5,0–25,0)"
    assert plain(estimate_text(Estimate(1234.5, -0.5, 2000, n=40), digits=1)) == "1 234,5 (KI −0,5–2 000,0)"
    assert plain(estimate_text(Estimate(2.0, None, None, n=3))) == "2,00 (KI mangler)"
    assert estimate_text(Estimate.lacking(1)) == "for lite data"
    assert estimate_text(Estimate(float("nan"), 1, 2)) == "for lite data"


def test_epicurve_counts_by_onset_and_test_date_and_hovers_in_norwegian_dates():
    import datetime as dt

    from components.network import NO_CLUSTER, epicurve_counts, epicurve_figure
    from graph.model import ClusterInfo, Node, TransmissionGraph

    d = dt.date(2026, 3, 1)
    nodes = {
        "c1": Node("c1", True, "Sak 1", onset=d, test_date=d + dt.timedelta(days=1), setting="household", cluster_ids=(7,)),
        "c2": Node("c2", True, "Sak 2", onset=d, setting="school"),
        "c3": Node("c3", True, "Sak 3", test_date=d),
        "p4": Node("p4", False, "Kontakt 4"),
    }
    graph = TransmissionGraph(nodes=nodes, edges=[], as_of=d, clusters={7: ClusterInfo(7, "Koret", "event")})

    counts = epicurve_counts(graph, with_clusters=True)

    assert counts["onset"]["setting"] == {"Husstand": {"2026-03-01": 1}, "Skole": {"2026-03-01": 1}}
    assert counts["test"]["setting"] == {"Husstand": {"2026-03-02": 1}, "Ukjent arena": {"2026-03-01": 1}}
    assert counts["onset"]["cluster"] == {"Koret": {"2026-03-01": 1}, NO_CLUSTER: {"2026-03-01": 1}}
    assert counts["missing"] == {"onset": 1, "test": 1}
    assert "Koret" not in str(epicurve_counts(graph, with_clusters=False))
    figure = epicurve_figure(counts, "onset", "cluster")
    assert figure.layout.barmode == "stack"
    assert [t.name for t in figure.data] == ["Koret", NO_CLUSTER]
    assert all("%{x|%d.%m.%Y}" in t.hovertemplate for t in figure.data)
    assert figure.layout.xaxis.title.text == "Symptomdato"
