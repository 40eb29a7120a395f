"""``minibroker plot``: one object's light curve as a PNG (``make plot OBJ=name``)."""


def add_arguments(parser) -> None:
    parser.add_argument("--obj", required=True, help="object name (the file name without extension)")
    parser.add_argument("--out", help="PNG file to write (default: <name>.png)")
    parser.add_argument("--gp", action="store_true",
                        help="add the GP mean and 95%% band per band (from lcGP; fitted on the fly if absent), "
                             "drawn only within 2 length scales of an observation (season gaps stay blank); "
                             "a fit flagged in lcGPFeats (at a bound, reduced chi2 > 5) is dashed")
    parser.add_argument("--mag", action="store_true",
                        help="AB magnitudes instead of flux (zero point 27.5 for light-curve files, 31.4 for "
                             "alert objects in nJy); points with flux/dflux < 3 become 3-sigma upper limits")
    parser.add_argument("--zoom", action="store_true",
                        help="show only the event: the run of detections (flux/dflux >= 5) around the "
                             "brightest point, padded")
    parser.add_argument("--tmin", type=float, metavar="MJD", help="start of the time range shown (or folded)")
    parser.add_argument("--tmax", type=float, metavar="MJD", help="end of the time range shown (or folded)")
    parser.add_argument("--fold", action="store_true",
                        help="phase-fold: phase = (MJD mod P) / P, P from --period or lcPeriodFeats (make features)")
    parser.add_argument("--period", type=float, metavar="DAYS", help="the period to fold on (implies --fold)")


def run(args) -> int:
    from minibroker.core.bands import order
    from minibroker.report.cli_report import open_db
    from minibroker.report.plot import Options, plot_object

    conn = open_db(args.db)
    out = args.out or f"{args.obj}.png"
    opts = Options(mag=args.mag, zoom=args.zoom, tmin=args.tmin, tmax=args.tmax,
                   fold=args.fold or args.period is not None, period=args.period)
    lc, p = plot_object(conn, args.obj, out, dataset=args.dataset, gp=args.gp, db=args.db, options=opts)
    extra = {"lcGP": ", GP from lcGP", "computed": ", GP fitted for the plot (run make gp to store it)"}
    how = [p.ylabel]
    if p.period is not None:
        how.append(f"folded on {p.period:.6g} d")
    elif p.xlim:
        how.append(f"MJD {p.xlim[0]:.1f} to {p.xlim[1]:.1f}")
    print(f"plot {lc.name} ({lc.dataset}): {', '.join(sorted(lc.bands, key=order))} bands"
          f"{extra.get(lc.gp_source, '')}; {'; '.join(how + p.notes)} -> {out}")
    return 0
