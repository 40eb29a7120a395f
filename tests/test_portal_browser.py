"""The portal in a real browser: Debian's headless Chromium, driven by Playwright, against
``minibroker serve`` on a database built from the real light curves."""

from urllib.parse import quote

import apsw
import pytest
from playwright.sync_api import sync_playwright

from portal_fixtures import PERIOD, Server, build_portal_db, launch_chromium


@pytest.fixture(scope="module")
def portal_db(tmp_path_factory):
    return build_portal_db(tmp_path_factory)


@pytest.fixture(scope="module")
def server(portal_db):
    s = Server(portal_db)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A fresh page that records every request it makes and every script error."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(15_000)
    pg = context.new_page()
    pg.requests, pg.errors = [], []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.base = server.url
    yield pg
    context.close()


def query(db, sql, params=()):
    conn = apsw.Connection(str(db), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def points(pg, band=None):
    sel = "#lc-plot svg circle.pt" + (f'[data-band="{band}"]' if band else "")
    return pg.locator(sel).count()


def test_object_page_draws_every_measurement_and_the_gp(page, portal_db):
    n, = query(portal_db, "select count(*) from rawPhot join objects using (objId) "
                          "where dataset = 'train' and name = 'FAKE010'")[0]
    per_band = dict(query(portal_db, "select pb, count(*) from rawPhot join objects using (objId) "
                                     "where name = 'FAKE010' group by pb"))
    r = page.goto(page.base + "/objects/train/FAKE010")
    assert r.status == 200
    assert page.locator("h1").inner_text().startswith("FAKE010")
    assert points(page) == n > 0
    assert {b: points(page, b) for b in per_band} == per_band
    assert page.locator("#lc-plot svg path.gp-mean").count() == len(per_band)   # make gp fitted each band
    # the percentiles within the class arrive after the page (one fetch), as the JSON download has them
    page.wait_for_selector("#feature-table[data-percentiles-loaded]")
    shown = float(page.locator('#feature-table td.pct[data-feature="gAmp"]').inner_text())
    from_json = page.request.get(page.base + "/objects/train/FAKE010.json").json()
    assert shown == next(f["percentile"] for f in from_json["features"] if f["feature"] == "gAmp")
    assert page.errors == []
    # everything came from the portal itself: no CDN, works offline
    assert page.requests and all(u.startswith(page.base) for u in page.requests)


def test_gp_leaves_season_gaps_blank_and_dashes_fits_not_to_trust(page, portal_db):
    flagged = {pb for pb, f in query(portal_db, "select pb, atBound = 1 or badFit = 1 or converged = 0 "
                                                "from lcGPFeats join objects using (objId) where name = 'FAKE030'") if f}
    page.goto(page.base + "/objects/train/FAKE030")
    means = page.locator("#lc-plot svg path.gp-mean")
    assert means.count() == 5
    runs = [int(r) for r in means.evaluate_all("ps => ps.map(p => p.getAttribute('data-runs'))")]
    assert all(r >= 2 for r in runs)   # at least one break per band: the 604-day season gap
    d = means.first.get_attribute("d")
    assert d.count("M") == runs[0]
    dashed = page.locator("#lc-plot svg path.gp-untrusted")
    assert {dashed.nth(i).get_attribute("data-band") for i in range(dashed.count())} == flagged
    assert all(dashed.nth(i).get_attribute("stroke-dasharray") for i in range(dashed.count()))
    assert "flux (AB zero point 27.5)" in page.locator("#lc-plot svg").text_content()
    assert page.errors == []


def test_band_toggle_hides_a_band_and_shows_it_again(page):
    page.goto(page.base + "/objects/train/FAKE010")
    g, total = points(page, "g"), points(page)
    assert g > 0
    page.locator("#band-g").uncheck()
    assert points(page, "g") == 0
    assert page.locator('#lc-plot svg path.gp-mean[data-band="g"]').count() == 0
    assert points(page) == total - g
    page.locator("#band-g").check()
    assert points(page, "g") == g and points(page) == total


def test_magnitudes_show_only_positive_fluxes_brightest_on_top(page, portal_db):
    positive, = query(portal_db, "select count(*) from rawPhot join objects using (objId) "
                                 "where name = 'FAKE010' and flux > 0")[0]
    page.goto(page.base + "/objects/train/FAKE010")
    page.locator("#lc-mag").check()
    assert points(page) == positive
    assert "magnitude" in page.locator("#lc-plot svg").text_content()
    fluxes = [float(t.split("flux=")[1].split()[0]) for t in page.locator("#lc-plot svg circle.pt title").all_text_contents()]
    ys = [float(y) for y in page.locator("#lc-plot svg circle.pt").evaluate_all("cs => cs.map(c => c.getAttribute('cy'))")]
    assert ys[fluxes.index(max(fluxes))] == min(ys)   # the brightest point is the highest on screen


def test_phase_folding_uses_the_known_period(page):
    page.goto(page.base + "/objects/odd/ODD_PERIODIC")
    assert float(page.locator("#lc-period").input_value()) == pytest.approx(PERIOD)
    total = points(page)
    page.locator("#lc-fold").check()
    svg_text = page.locator("#lc-plot svg").text_content()
    assert "phase" in svg_text and str(PERIOD) in svg_text
    assert points(page) == total
    # folded, every point lies between phase 0 and 1: inside the plot frame
    frame = page.locator("#lc-plot svg rect.frame")
    x0, w = float(frame.get_attribute("x")), float(frame.get_attribute("width"))
    xs = page.locator("#lc-plot svg circle.pt").evaluate_all("cs => cs.map(c => +c.getAttribute('cx'))")
    assert all(x0 - 1e-6 <= x <= x0 + w + 1e-6 for x in xs)


def test_zoom_by_dragging_and_reset(page):
    page.goto(page.base + "/objects/train/FAKE010")
    total = points(page)
    box = page.locator("#lc-plot svg rect.frame").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.1, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.3, y, steps=5)
    page.mouse.up()
    xs = page.locator("#lc-plot svg circle.pt").evaluate_all("cs => cs.map(c => +c.getAttribute('cx'))")
    inside = [x for x in xs if box["x"] <= x <= box["x"] + box["width"]]
    assert 0 < len(inside) < total  # zoomed: some points now fall outside the visible range
    page.locator("#lc-reset").click()
    xs = page.locator("#lc-plot svg circle.pt").evaluate_all("cs => cs.map(c => +c.getAttribute('cx'))")
    assert len(xs) == total


def test_object_page_shows_rejects_headers_and_provenance(page, portal_db):
    page.goto(page.base + "/objects/odd/ODD_PERIODIC")
    rejects = page.locator("#rejects tbody tr")
    assert rejects.count() == 2
    text = page.locator("#rejects").inner_text()
    assert "passband" in text and "dflux" in text
    assert "ODD_PERIODIC.dat" in page.locator("#provenance").inner_text()
    assert "period" in page.locator("#headers").inner_text()


def test_missing_object_is_a_404_page_not_a_traceback(page):
    r = page.goto(page.base + "/objects/train/NO_SUCH_OBJECT")
    assert r.status == 404
    body = page.locator("body").inner_text()
    assert "NO_SUCH_OBJECT" in body and "Not found" in body
    assert "Traceback" not in body and "Error 500" not in body


def test_filter_form_returns_the_expected_objects(page, portal_db):
    # expected, from the feature table directly: max |amplitude| over griz >= 3, at least 10 griz points
    amps = query(portal_db, "select o.name, f.gAmp, f.rAmp, f.iAmp, f.zAmp, "
                            "(select sum(n) from lcBandStats b where b.objId = o.objId and pb in ('g','r','i','z')) "
                            "from lcFeats f join objects o using (objId)")
    expected = {name for name, *a, n in amps if max(abs(x or 0) for x in a) >= 3 and n >= 10}
    assert 0 < len(expected) < len(amps)
    page.goto(page.base + "/filters")
    page.get_by_role("link", name="bright_transients").click()
    page.locator('input[name="minAmp"]').fill("3")
    page.locator('input[name="top"]').fill("1000")
    page.locator('form.sql input[type="submit"]').click()
    page.wait_for_load_state()
    names = page.locator("table.rows-and-columns td.col-name").all_inner_texts()
    assert set(names) == expected
    assert "minAmp=3" in page.url
    assert page.locator("table.rows-and-columns td.col-name a").count() == len(names)   # rows link to object pages


def test_free_sql_runs_minibroker_functions(page, portal_db):
    import numpy as np

    from minibroker.udf import stats

    flux = [r[0] for r in query(portal_db, "select flux from rawPhot join objects using (objId) "
                                           "where name = 'FAKE010' and pb = 'g'")]
    sql = "select skew(flux) as s from rawPhot join objects using (objId) where name = 'FAKE010' and pb = 'g'"
    page.goto(page.base + "/minibroker?sql=" + quote(sql))
    value = float(page.locator("table.rows-and-columns td.col-s").inner_text())
    assert value == pytest.approx(stats.skew(np.array(flux)), rel=1e-9)


@pytest.mark.parametrize("statement", [
    "delete from objects",
    "drop table rawPhot",
    "update objects set name = 'x'",
    "attach database '/tmp/portal-other.db' as other",
    "pragma journal_mode = delete",
])
def test_free_sql_that_writes_is_refused(page, portal_db, statement):
    before = query(portal_db, "select count(*), sum(length(name)) from objects")
    page.goto(page.base + "/minibroker")
    editor = page.locator(".CodeMirror")      # datasette's SQL editor (CodeMirror 5): type as a person does
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(statement)
    page.locator('form.sql input[type="submit"]').click()
    page.wait_for_load_state()
    body = page.locator("body").inner_text()
    assert any(w in body for w in ("must be a SELECT", "not authorized", "not allowed", "read-only")), body[:500]
    assert "Traceback" not in body
    assert query(portal_db, "select count(*), sum(length(name)) from objects") == before


def test_candidate_list_sorts_facets_and_links_to_object_pages(page, portal_db):
    page.goto(page.base + "/minibroker/candidateList")
    assert page.locator(".facet-info[data-column='dataset']").count() == 1
    assert page.locator(".facet-info[data-column='predicted']").count() == 1
    scores = [float(s) for s in page.locator("table.rows-and-columns td.col-score").all_inner_texts()]
    assert scores and scores == sorted(scores, reverse=True)
    first = page.locator("table.rows-and-columns td.col-name a").first
    name = first.inner_text()
    first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith(name)
    assert points(page) > 0


def test_models_page_confusion_cells_link_to_their_objects(page, portal_db):
    page.goto(page.base + "/models")
    cells = page.locator("table.confusion td a")
    total = sum(int(t) for t in cells.all_inner_texts())
    labelled, = query(portal_db, "select count(*) from predictions p join lcLabels l using (objId)")[0]
    assert total == labelled
    n = int(cells.first.inner_text())
    cells.first.click()
    page.wait_for_load_state()
    assert page.locator("table.rows-and-columns tbody tr").count() == n


def test_column_descriptions_give_units(page):
    page.goto(page.base + "/minibroker/rawPhot")
    text = page.locator("body").inner_text()
    assert "MJD" in text and "zero point 27.5" in text


def test_class_facets_show_class_names(page):
    page.goto(page.base + "/minibroker/objectFeatures?_facet=label")
    facet = page.locator(".facet-info[data-column='label']")
    assert "7 Periodic" in facet.inner_text()   # the #type: name of label 7 beside the number
    assert page.errors == []
