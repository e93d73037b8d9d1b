"""No app hides an import cycle inside a function: every import of project code in the project's modules
(tests and migrations aside) is at module level, where import-linter's contracts and a reader see it.

An import inside a function is allowed only where it is lazy by design, for a stated reason, and listed in
DELIBERATELY_LAZY below with that reason (the code says it in a comment too)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PROJECT_PACKAGES = ("accounts", "streams", "chat", "gifts", "wallet", "livestream")

# path -> the lines' modules that may stay inside a function, and why.
DELIBERATELY_LAZY = {
    # AppConfig.ready(): Django's app loading - these modules import models, which cannot load before ready().
    "accounts/apps.py": ["accounts"],  # from accounts import signals (signals import the models)
    "chat/apps.py": ["chat.rooms", "livestream.events"],
    "wallet/apps.py": ["wallet.checks"],
}


def imports_inside_functions(path: Path, package: str) -> list[str]:
    """``"<line> <module>"`` for each import of project code inside a function or method of ``path``."""
    found = set()
    for function in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom):
                # A relative import inside a function is the package's own code too.
                modules = [node.module or "."] if node.level == 0 else [package]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            found |= {(node.lineno, module) for module in modules if module.split(".")[0] in PROJECT_PACKAGES}
    return [f"{line} {module}" for line, module in sorted(found)]


def project_modules() -> list[Path]:
    return [
        path
        for package in PROJECT_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if not {"tests", "migrations"} & set(path.relative_to(ROOT).parts)
    ]


def test_no_project_import_hides_inside_a_function():
    modules = project_modules()
    for expected in ("streams/presence.py", "chat/selectors.py", "gifts/selectors.py", "wallet/providers.py"):
        assert ROOT / expected in modules
    hidden = {}
    for path in modules:
        name = str(path.relative_to(ROOT))
        allowed = DELIBERATELY_LAZY.get(name, [])
        lines = [line for line in imports_inside_functions(path, name.split("/")[0]) if line.split()[1] not in allowed]
        if lines:
            hidden[name] = lines
    assert hidden == {}


def test_the_allow_list_names_only_imports_that_are_still_there():
    for name, allowed in DELIBERATELY_LAZY.items():
        found = [line.split()[1] for line in imports_inside_functions(ROOT / name, name.split("/")[0])]
        assert sorted(found) == sorted(allowed), name


def test_the_check_sees_imports_inside_functions_and_methods_only(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "from streams.models import Stream\n"
        "import os\n"
        "def f():\n"
        "    from streams.services import tag_normalize\n"
        "    import json\n"
        "    def inner():\n"
        "        from . import selectors\n"
        "class A:\n"
        "    async def g(self):\n"
        "        import wallet.services\n"
    )
    assert imports_inside_functions(module, "gifts") == ["4 streams.services", "7 gifts", "10 wallet.services"]
