"""``python -m minibroker.portal.screenshots --db FILE --object DATASET/NAME --out docs``: start the portal on a
free loopback port, open pages in Debian's headless Chromium (Playwright, no browser download)
and save PNGs of the object page and the candidate list, as shown in the README."""

import argparse
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m minibroker.portal.screenshots", description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True, help="database file")
    p.add_argument("--object", required=True, help="DATASET/NAME of the object page to show")
    p.add_argument("--out", type=Path, default=Path("docs"), help="directory for the PNGs (default: docs)")
    p.add_argument("--hide-bands", default="uy", help="bands to switch off in the object's plot (default: uy)")
    args = p.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "minibroker.app.cli", "serve", "--db", args.db, "--port", str(port)])
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        args.out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page(viewport={"width": 1100, "height": 1000})
            page.goto(f"{base}/objects/{args.object}")
            for band in args.hide_bands:
                if page.locator(f"#band-{band}").count():
                    page.locator(f"#band-{band}").uncheck()
            page.screenshot(path=str(args.out / "portal-object.png"), clip={"x": 0, "y": 0, "width": 1100, "height": 1000})
            page.goto(f"{base}/minibroker/candidateList")
            page.screenshot(path=str(args.out / "portal-candidates.png"))
            page.goto(f"{base}/models")
            page.screenshot(path=str(args.out / "portal-models.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=15)
    print(f"screenshots in {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
