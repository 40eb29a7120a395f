"""The models page: every run's cross-validated scores, and one run's confusion matrix with class
names whose cells link to the objects in them (a filtered ``objectPredictions`` list)."""

from urllib.parse import urlencode

from datasette.utils.asgi import Response

from minibroker.core.sqlfiles import render
from minibroker.portal import DB_NAME, objectdata


async def models_page(datasette, request, db, nav):
    runs = await objectdata.rows(db, render("queries/portal/runs.sql"))
    names = await objectdata.class_names(db)
    chosen = next((r for r in runs if r["chosen"]), runs[0] if runs else None)
    wanted = request.args.get("run")
    run = next((r for r in runs if str(r["runId"]) == wanted), chosen)
    matrix = None
    if run is not None:
        cells = await objectdata.rows(db, render("queries/portal/confusion.sql"), {"runId": run["runId"]})
        labels = sorted({c["trueLabel"] for c in cells} | {c["predicted"] for c in cells})
        counts = {(c["trueLabel"], c["predicted"]): c["n"] for c in cells}
        matrix = {
            "labels": [{"label": lb, "text": objectdata.class_label(lb, names)} for lb in labels],
            "rows": [
                {"label": objectdata.class_label(t, names), "total": sum(counts.get((t, p), 0) for p in labels),
                 "cells": [{"n": counts.get((t, p), 0), "diagonal": t == p,
                            "url": f"/{DB_NAME}/objectPredictions?"
                                   + urlencode({"runId": run["runId"], "trueLabel": t, "predicted": p})}
                           for p in labels]}
                for t in labels],
        }
    return Response.html(await datasette.render_template("portal_models.html", {
        "runs": runs, "run": run, "matrix": matrix, "nav": nav, "db_name": DB_NAME,
    }, request=request))
