#!/usr/bin/env python3
"""Copy the browser libraries npm installed (``npm ci``) into static/vendor/, which git ignores.

The stream page serves hls.js from our own static files, never from a CDN. package-lock.json pins the
version; this checks that node_modules holds exactly that version (a stale node_modules is refused), then
copies the minified light build, its source map (ManifestStaticFilesStorage rewrites the map reference and
fails collectstatic when the map is missing) and the licence. Standard library only: no node needed here.

Usage: npm ci --no-audit --no-fund && python3 scripts/vendor_frontend.py
"""

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "static" / "vendor"

# package -> [(file in the package, name under static/vendor/)]
FILES = {
    # The light build (389 kB against 624 kB minified; a third less to download and evaluate on a phone) leaves out
    # subtitles, alternate audio, DRM, CMCD, content steering and interstitials: none of which this site sends.
    "hls.js": [
        ("dist/hls.light.min.js", "hls.light.min.js"),
        ("dist/hls.light.min.js.map", "hls.light.min.js.map"),
        ("LICENSE", "hls.js.LICENSE.txt"),
    ],
    # The studio's analytics charts (a canvas time-series library, ~50 KB; no source map is shipped).
    "uplot": [
        ("dist/uPlot.iife.min.js", "uplot.min.js"),
        ("dist/uPlot.min.css", "uplot.min.css"),
        ("LICENSE", "uplot.LICENSE.txt"),
    ],
}


class VendorError(Exception):
    pass


def locked_version(package: str) -> str:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    try:
        return lock["packages"][f"node_modules/{package}"]["version"]
    except KeyError:
        raise VendorError(f"{package} is not in package-lock.json; run: npm install --save-exact {package}") from None


def installed_version(package: str) -> str:
    manifest = NODE_MODULES / package / "package.json"
    if not manifest.is_file():
        raise VendorError(f"{package} is not installed; run: npm ci --no-audit --no-fund")
    return json.loads(manifest.read_text())["version"]


def vendor(package: str, files: list[tuple[str, str]]) -> None:
    wanted, found = locked_version(package), installed_version(package)
    if wanted != found:
        raise VendorError(f"node_modules has {package} {found}, package-lock.json pins {wanted}; run: npm ci")
    for source, target in files:
        path = NODE_MODULES / package / source
        if not path.is_file():
            raise VendorError(f"{package} {found} has no {source}")
        # Write beside the target and rename, so a server never serves half a file.
        partial = VENDOR / f".{target}.partial"
        shutil.copyfile(path, partial)
        partial.replace(VENDOR / target)
    print(f"vendored {package} {found} into {VENDOR.relative_to(ROOT)}/")


def main() -> int:
    VENDOR.mkdir(parents=True, exist_ok=True)
    try:
        for package, files in FILES.items():
            vendor(package, files)
    except VendorError as error:
        print(f"vendor_frontend: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
