"""The import-linter contract type of our own (livestream/import_contracts.py): domain modules import nothing
of django.http or django.shortcuts, which the built-in forbidden contract cannot name (it sees the django
package only whole). lint-imports runs in a process of its own here, as under `make lint`: in the test
process, Twisted's zope.interface marks abc.ABC in a way import-linter's contract classes trip over."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from livestream.import_contracts import imported_names

PROJECT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("from django.http import Http404", ["django.http", "django.http.Http404"]),
        ("from django.http import (", ["django.http"]),
        ("from django import http, db as database", ["django", "django.http", "django.db"]),
        ("import django.shortcuts as shortcuts, os", ["django.shortcuts", "os"]),
        (
            "from django.utils.http import http_date  # not django.http",
            ["django.utils.http", "django.utils.http.http_date"],
        ),
        ("from django.db.models import *", ["django.db.models"]),
        ("x = 1", []),
    ],
)
def test_imported_names_reads_what_an_import_line_brings_in(line, names):
    assert imported_names(line) == names


def lint_imports(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache", *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_a_source_module_importing_django_http_or_shortcuts_breaks_the_contract(tmp_path):
    modules = {
        "__init__.py": "",
        "selectors/__init__.py": "from django.http import Http404\n",
        "selectors/media.py": "import os\n\nfrom django import http\n",  # inside a source package
        "services.py": "from django.shortcuts import (\n    get_object_or_404,\n)\n",
        "models.py": "from django.db import models\nfrom django.utils.http import http_date\n",  # allowed
        "tasks.py": "from django.core.exceptions import ValidationError\n",  # allowed
        "views.py": "from django.http import HttpResponse\nfrom django.shortcuts import render\n",  # an interface
    }
    for name, source in modules.items():
        (tmp_path / "app" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "app" / name).write_text(source)
    (tmp_path / ".importlinter").write_text(
        textwrap.dedent(
            """\
            [importlinter]
            root_packages =
                app
            include_external_packages = True
            contract_types =
                forbidden_external_submodules: livestream.import_contracts.ForbiddenExternalSubmodulesContract

            [importlinter:contract:no-http]
            name = no http in the domain
            type = forbidden_external_submodules
            source_modules =
                *.selectors
                *.services
                *.models
                *.tasks
            forbidden_modules =
                django.http
                django.shortcuts
            """
        )
    )
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = [line for line in result.stdout.splitlines() if line.startswith("-   ")]
    assert broken == [
        "-   app.selectors (l.1): from django.http import Http404",
        "-   app.selectors.media (l.3): from django import http",
        "-   app.services (l.1): from django.shortcuts import (",
    ]
    assert "app.selectors is not allowed to import django.http:" in result.stdout
    assert "app.services is not allowed to import django.shortcuts:" in result.stdout


def test_a_whole_package_or_a_module_that_is_not_there_is_refused(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_packages =\n    app\ninclude_external_packages = True\ncontract_types =\n"
        "    forbidden_external_submodules: livestream.import_contracts.ForbiddenExternalSubmodulesContract\n"
        "[importlinter:contract:x]\nname = x\ntype = forbidden_external_submodules\n"
        "source_modules = app\nforbidden_modules = django\n"
    )
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "a whole package is the forbidden contract's job" in result.stdout + result.stderr

    config = tmp_path / ".importlinter"
    config.write_text(
        config.read_text()
        .replace("source_modules = app", "source_modules = app.gone")
        .replace("forbidden_modules = django", "forbidden_modules = django.http")
    )
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "Module 'app.gone' does not exist." in result.stdout + result.stderr


def test_the_projects_domain_imports_no_django_http():
    result = lint_imports(PROJECT, "--contract", "domain-speaks-no-http")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout
