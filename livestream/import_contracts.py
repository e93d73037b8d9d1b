"""Contract types of our own for import-linter (``.importlinter``'s ``contract_types``; ``make lint`` runs them).

import-linter sees an external package only whole: with ``include_external_packages`` the graph holds
``django``, never ``django.http``, and its ``forbidden`` contract refuses a subpackage of an external package.
So "the domain imports nothing of ``django.http``" cannot be said with it; this module's contract says it,
from the line of each import that the graph keeps.

Nothing of the product imports this module; only lint-imports does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck, InvalidContractOptions
from importlinter.domain.helpers import module_expressions_to_modules

_FROM_IMPORT = re.compile(r"from\s+([\w.]+)\s+import\s+(.*)")
_IMPORT = re.compile(r"import\s+(.*)")


def imported_names(line: str) -> list[str]:
    """The dotted names an import statement's line brings in: ``from a.b import c, d as e`` gives ``a.b``,
    ``a.b.c`` and ``a.b.d``; ``import a.b as c, d`` gives ``a.b`` and ``d``. Nothing for another line.

    A statement over several lines is seen by its first: ``from a.b import (`` still names ``a.b``, but the
    names of ``from a import (`` on the lines after it are not seen.
    """
    line = line.split("#", 1)[0].strip()
    if match := _FROM_IMPORT.match(line):
        module, names = match.groups()
        return [module, *(f"{module}.{name}" for name in _names(names))]
    if match := _IMPORT.match(line):
        return list(_names(match.group(1)))
    return []


def _names(text: str) -> Iterator[str]:
    for part in text.split(","):
        name = part.split(" as ")[0].strip(" ()\\")
        if name and name != "*":
            yield name


class ForbiddenExternalSubmodulesContract(Contract):
    """The ``source_modules`` (and the modules inside them) import none of the ``forbidden_modules``, which are
    submodules of external packages (``django.http``), directly: an import of the external package whose
    line names a forbidden module, or something inside it, breaks the contract.

    Direct imports only: the external package is one node of the graph, so an import of ``django.db`` cannot
    be told from one of ``django.http`` further down a chain, and a chain through a project module (a domain
    module importing a helper module that also holds views) is a question for the other contracts.
    """

    type_name = "forbidden_external_submodules"

    source_modules = fields.SetField(subfield=fields.ModuleExpressionField())
    forbidden_modules = fields.SetField(subfield=fields.StringField())

    def validate(self) -> None:
        invalid = sorted(m for m in self.forbidden_modules if "." not in m)  # type: ignore[attr-defined]
        if invalid:
            raise InvalidContractOptions(
                {"forbidden_modules": f"{', '.join(invalid)}: a whole package is the forbidden contract's job."}
            )

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        forbidden = sorted(self.forbidden_modules)  # type: ignore[attr-defined]
        if str(self.session_options.get("include_external_packages")).lower() != "true":
            raise ValueError("This contract reads imports of external packages: set include_external_packages = True.")
        # A package nothing imports is not in the graph, and nothing imports its modules (the built-in type's rule).
        packages = {name.split(".")[0] for name in forbidden} & set(graph.modules)
        internal = sorted(p for p in packages if not graph.is_module_squashed(p))
        if internal:
            raise ValueError(f"{', '.join(internal)}: a package of the project; the forbidden contract says that.")
        named = module_expressions_to_modules(graph, self.source_modules)  # type: ignore[attr-defined]
        absent = sorted(module.name for module in named if module.name not in graph.modules)
        if absent:  # named without a wildcard, then renamed or removed: say so, as the built-in types do
            raise ValueError(f"Module '{absent[0]}' does not exist.")
        if not named:
            raise ValueError("The source modules match no module.")
        sources = {descendant for module in named for descendant in graph.find_descendants(module.name)}
        sources |= {module.name for module in named}
        found = []
        for source in sorted(sources):
            for package in sorted(packages & graph.find_modules_directly_imported_by(source)):
                for detail in graph.get_import_details(importer=source, imported=package):
                    names = imported_names(detail["line_contents"])
                    hit = next(
                        (f for f in forbidden if any(n == f or n.startswith(f + ".") for n in names)),
                        None,
                    )
                    if hit is not None:
                        found.append(
                            {
                                "importer": source,
                                "imported": hit,
                                "line_number": detail["line_number"],
                                "line_contents": detail["line_contents"],
                            }
                        )
        output.verbose_print(verbose, f"{len(found)} forbidden import(s) in {len(sources)} module(s).")
        return ContractCheck(kept=not found, metadata={"imports": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for found in check.metadata["imports"]:
            output.print_error(f"{found['importer']} is not allowed to import {found['imported']}:")
            output.new_line()
            output.print_error(
                f"-   {found['importer']} (l.{found['line_number']}): {found['line_contents']}", bold=False
            )
            output.new_line()
