"""scripts/vendor_frontend.py: copies exactly the browser libraries package-lock.json pins into static/vendor/."""

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "vendor_frontend.py"


@pytest.fixture
def vendor(tmp_path, monkeypatch):
    """The script, pointed at a scratch checkout with package-lock.json pinning hls.js 1.2.3."""
    spec = importlib.util.spec_from_file_location("vendor_frontend", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "NODE_MODULES", tmp_path / "node_modules")
    monkeypatch.setattr(module, "VENDOR", tmp_path / "static" / "vendor")
    monkeypatch.setattr(module, "FILES", {"hls.js": module.FILES["hls.js"]})
    lock = {"packages": {"": {}, "node_modules/hls.js": {"version": "1.2.3"}}}
    (tmp_path / "package-lock.json").write_text(json.dumps(lock))
    return module


def install(root: Path, version: str) -> None:
    package = root / "node_modules" / "hls.js"
    (package / "dist").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": "hls.js", "version": version}))
    build = f"/* hls {version} */\n//# sourceMappingURL=hls.light.min.js.map\n"
    (package / "dist" / "hls.light.min.js").write_text(build)
    (package / "dist" / "hls.light.min.js.map").write_text("{}")
    (package / "LICENSE").write_text("Apache-2.0")


def test_copies_the_pinned_build_its_source_map_and_licence(vendor, tmp_path):
    install(tmp_path, "1.2.3")
    assert vendor.main() == 0
    out = tmp_path / "static" / "vendor"
    assert (out / "hls.light.min.js").read_text().startswith("/* hls 1.2.3 */")
    assert (out / "hls.light.min.js.map").is_file()  # collectstatic's manifest storage needs the map it names
    assert (out / "hls.js.LICENSE.txt").read_text() == "Apache-2.0"
    assert sorted(p.name for p in out.iterdir()) == ["hls.js.LICENSE.txt", "hls.light.min.js", "hls.light.min.js.map"]


def test_refuses_a_node_modules_that_does_not_match_the_lock(vendor, tmp_path, capsys):
    install(tmp_path, "1.0.0")
    assert vendor.main() == 1
    assert "npm ci" in capsys.readouterr().err
    assert not (tmp_path / "static" / "vendor" / "hls.light.min.js").exists()


def test_says_to_run_npm_ci_when_nothing_is_installed(vendor, capsys):
    assert vendor.main() == 1
    assert "run: npm ci --no-audit --no-fund" in capsys.readouterr().err


def test_the_repository_pins_an_exact_hls_js_version():
    root = SCRIPT.parent.parent
    wanted = json.loads((root / "package.json").read_text())["dependencies"]["hls.js"]
    locked = json.loads((root / "package-lock.json").read_text())["packages"]["node_modules/hls.js"]
    assert wanted == locked["version"] and wanted[0].isdigit()  # no ^ or ~ range
    assert locked["integrity"].startswith("sha512-")  # npm ci refuses a tarball that does not match


def test_every_browser_dependency_is_vendored():
    spec = importlib.util.spec_from_file_location("vendor_frontend", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dependencies = json.loads((SCRIPT.parent.parent / "package.json").read_text())["dependencies"]
    assert sorted(module.FILES) == sorted(dependencies)
