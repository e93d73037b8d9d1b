"""The streams package hides no import cycle inside a function: every import of project code in its modules
(tests aside) is at module level, where import-linter's contracts and a reader see it."""

import ast
from pathlib import Path

STREAMS = Path(__file__).resolve().parent.parent
PROJECT_PACKAGES = ("accounts", "streams", "chat", "gifts", "wallet", "livestream")


def imports_inside_functions(path: Path) -> list[str]:
    """``"<line> <module>"`` for each import of project code inside a function or method of ``path``."""
    found = []
    for function in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom):
                # A relative import inside a function is the package's own code too.
                modules = [node.module or "."] if node.level == 0 else ["streams"]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            found += [f"{node.lineno} {module}" for module in modules if module.split(".")[0] in PROJECT_PACKAGES]
    return found


def test_no_project_import_in_streams_hides_inside_a_function():
    modules = [path for path in STREAMS.rglob("*.py") if "tests" not in path.relative_to(STREAMS).parts]
    assert STREAMS / "presence.py" in modules and STREAMS / "filters.py" in modules
    hidden = {str(path.relative_to(STREAMS.parent)): imports_inside_functions(path) for path in sorted(modules)}
    assert {path: lines for path, lines in hidden.items() if lines} == {}


def test_the_check_sees_imports_inside_functions_and_methods_only(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "from streams.models import Stream\n"
        "import os\n"
        "def f():\n"
        "    from streams.services import tag_normalize\n"
        "    import json\n"
        "class A:\n"
        "    async def g(self):\n"
        "        import wallet.services\n"
    )
    assert imports_inside_functions(module) == ["4 streams.services", "8 wallet.services"]
