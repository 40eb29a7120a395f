"""The datasette plugin: MiniBroker's SQL functions and read-only rules on every connection to the
database, the portal's own pages (home, object pages, models, filters) and links from list cells
to object pages with class names."""

import csv
import io
import json
from urllib.parse import quote, urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from minibroker.core.sqlfiles import render
from minibroker.analyst.sql import filter_names, load_filter
from minibroker.portal import DB_NAME, objectdata, sqlfunctions
from minibroker.portal.models import models_page

# list cells: which columns link to an object page, which hold class labels
CLASS_COLUMNS = frozenset({"label", "trueLabel", "predicted"})
LINKED_TABLES = frozenset({"candidateList", "anomalyRanking", "objectPredictions", "objects", "objectFeatures",
                           "objectFeaturesGP", "alerts", "filterMatches", "watchlistHits"})


def object_url(dataset: str, name: str, fmt: str = "") -> str:
    return f"/objects/{quote(str(dataset), safe='')}/{quote(str(name), safe='')}{fmt}"


@hookimpl
def prepare_connection(conn, database, datasette):
    if database == DB_NAME:
        sqlfunctions.register(conn)
        sqlfunctions.read_only(conn)


@hookimpl
def extra_css_urls(template, database, table, columns, view_name, request, datasette):
    return ["/portal-static/portal.css"]


@hookimpl
def extra_body_script(template, database, table, columns, view_name, request, datasette):
    """List pages with class columns: the class names, for facets.js to label the facet values."""
    if database != DB_NAME or table not in LINKED_TABLES or not CLASS_COLUMNS & set(columns or ()):
        return None

    async def names():
        known = await objectdata.class_names(datasette.get_database(DB_NAME))
        payload = json.dumps({str(k): v for k, v in known.items()}).replace("</", "<\\/")
        return f"portalLabelFacets({payload});"
    return names


@hookimpl
def extra_js_urls(template, database, table, columns, view_name, request, datasette):
    return ["/portal-static/facets.js"] if database == DB_NAME and table in LINKED_TABLES else []


@hookimpl
def menu_links(datasette, actor, request):
    return [{"href": href, "label": label} for href, label in NAV]


NAV = (
    ("/", "MiniBroker home"),
    (f"/{DB_NAME}/candidateList", "Candidates"),
    (f"/{DB_NAME}/anomalyRanking", "Anomaly ranking"),
    ("/filters", "Filters"),
    ("/models", "Models"),
    (f"/{DB_NAME}", "Tables and free SQL"),
)


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if database != DB_NAME or value is None:
        return None
    keys = row.keys() if hasattr(row, "keys") else []
    # a name beside its dataset is an object, in lists, saved selections and free SQL alike
    if column == "name" and "dataset" in keys and (table is None or table in LINKED_TABLES):
        return Markup(f'<a href="{escape(object_url(row["dataset"], value))}">{escape(value)}</a>')
    if table in LINKED_TABLES and column in CLASS_COLUMNS and isinstance(value, int):
        async def with_name():   # the class names are read once a minute, not per cell
            return objectdata.class_label(value, await objectdata.class_names(datasette.get_database(DB_NAME)))
        return with_name
    return None


@hookimpl
def register_routes(datasette):
    return [
        (r"^/$", home),
        (r"^/objects/(?P<dataset>[^/]+)/(?P<name>[^/]+)/percentiles\.json$", object_percentiles),
        (r"^/objects/(?P<dataset>[^/]+)/(?P<name>[^/]+?)(?P<fmt>\.json|\.csv)?$", object_page),
        (r"^/objects/?$", find_objects),
        (r"^/models/?$", models),
        (r"^/filters/?$", filters),
    ]


def _db(datasette):
    return datasette.get_database(DB_NAME)


async def home(datasette, request):
    db = _db(datasette)
    tables = await objectdata.schema(db)
    await objectdata.class_names(db)
    counts = (await db.execute(render("queries/portal/dataset_counts.sql"))).rows
    present = [(t, title) for t, title in objectdata.OPTIONAL_TABLES if t in tables]
    return Response.html(await datasette.render_template("portal_home.html", {
        "datasets": [dict(zip(("dataset", "objects", "labelled", "predicted"), r)) for r in counts],
        "stream_tables": present, "nav": NAV, "db_name": DB_NAME,
    }, request=request))


async def find_objects(datasette, request):
    text = (request.args.get("q") or "").strip()
    found = []
    if text:
        found = await objectdata.rows(_db(datasette), render("queries/portal/find_objects.sql"), {"q": text})
        if len(found) == 1:
            return Response.redirect(object_url(found[0]["dataset"], found[0]["name"]))
    return Response.html(await datasette.render_template("portal_find.html", {
        "q": text, "found": [{**f, "url": object_url(f["dataset"], f["name"])} for f in found], "nav": NAV,
    }, request=request))


async def object_percentiles(datasette, request):
    v = request.url_vars
    pct = await objectdata.load_percentiles(_db(datasette), v["dataset"], v["name"])
    if pct is None:
        return Response.json({"error": f"no object {v['name']} in dataset {v['dataset']}"}, status=404)
    return Response.json(pct)


async def object_page(datasette, request):
    v = request.url_vars
    data = await objectdata.load(_db(datasette), v["dataset"], v["name"], with_percentiles=v.get("fmt") == ".json")
    if data is None:
        return Response.html(await datasette.render_template("portal_object_404.html", {
            "dataset": v["dataset"], "name": v["name"], "nav": NAV,
        }, request=request), status=404)
    if v.get("fmt") == ".json":
        return Response.json(data, default=str)
    if v.get("fmt") == ".csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=["id", "t", "pb", "flux", "dflux"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(data["photometry"])
        return Response(out.getvalue(), content_type="text/csv; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="{v["dataset"]}_{v["name"]}.csv"'})
    o = data["object"]
    plot = {"photometry": data["photometry"], "gp": data["gp"], "gpFlags": data["gpFlags"],
            "fluxUnit": data["fluxUnit"], "period": data["period"],
            "periodSource": data["periodSource"], "name": o["name"]}
    return Response.html(await datasette.render_template("portal_object.html", {
        **data, "plot_json": Markup(json.dumps(plot).replace("</", "<\\/")), "nav": NAV, "db_name": DB_NAME,
        "json_url": object_url(o["dataset"], o["name"], ".json"),
        "csv_url": object_url(o["dataset"], o["name"], ".csv"),
        "percentiles_url": object_url(o["dataset"], o["name"], "/percentiles.json"),
    }, request=request))


async def models(datasette, request):
    return await models_page(datasette, request, _db(datasette), NAV)


async def filters(datasette, request):
    items = []
    for name in filter_names():
        sql, defaults = load_filter(name)
        about = " ".join(ln[2:].strip() for ln in sql.splitlines() if ln.startswith("--") and not ln.startswith("-- :"))
        items.append({"name": name, "about": about.removeprefix("Saved selection:").strip(), "defaults": defaults,
                      "url": f"/{DB_NAME}/{name}?{urlencode(defaults)}"})
    return Response.html(await datasette.render_template("portal_filters.html", {
        "filters": items, "nav": NAV, "db_name": DB_NAME}, request=request))
