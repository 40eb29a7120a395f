"""``minibroker plot``: one object's light curve as a PNG (``make plot OBJ=name``)."""


def add_arguments(parser) -> None:
    parser.add_argument("--obj", required=True, help="object name (the file name without extension)")
    parser.add_argument("--out", help="PNG file to write (default: <name>.png)")
    parser.add_argument("--gp", action="store_true",
                        help="add the GP mean and 95%% band per band (from lcGP; fitted on the fly if absent)")


def run(args) -> int:
    from minibroker.core.bands import order
    from minibroker.report.cli_report import open_db
    from minibroker.report.plot import plot_object

    conn = open_db(args.db)
    out = args.out or f"{args.obj}.png"
    lc = plot_object(conn, args.obj, out, dataset=args.dataset, gp=args.gp, db=args.db)
    extra = {"lcGP": ", GP from lcGP", "computed": ", GP fitted for the plot (run make gp to store it)"}
    print(f"plot {lc.name} ({lc.dataset}): {', '.join(sorted(lc.bands, key=order))} bands"
          f"{extra.get(lc.gp_source, '')} -> {out}")
    return 0
