"""Imports of project modules go at the top of a module. The few inside a function (the
`AppConfig.ready()` hooks, the odd documented cycle) are counted here, outside tests and
migrations: at most MAX, each with a comment on its line or just above saying why."""

import ast
from pathlib import Path

from django.conf import settings

MAX = 5
PROJECT = {"stations", "drivers", "billing", "ocpp_gateway", "roaming", "config", "bench"}


def function_level_imports() -> list[tuple[Path, int]]:
    found = set()
    paths = [path for app in sorted(PROJECT) for path in (Path(settings.BASE_DIR) / app).rglob("*.py")]
    for path in paths:
        parts = path.relative_to(settings.BASE_DIR).parts
        if "tests" in parts or "migrations" in parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                found |= {(path, node.lineno) for node in ast.walk(function) if _imports_project(node)}
    return sorted(found)


def _imports_project(node: ast.AST) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").split(".")[0] in PROJECT
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] in PROJECT for alias in node.names)
    return False


def _explained(path: Path, line_number: int) -> bool:
    lines = path.read_text().splitlines()
    comment = lines[line_number - 1].partition("#")[2].strip()
    return (bool(comment) and not comment.startswith("noqa")) or lines[line_number - 2].strip().startswith("#")


def test_function_level_imports_of_project_modules_are_few_and_explained():
    found = function_level_imports()

    assert len(found) <= MAX, found
    assert [f"{path}:{line}" for path, line in found if not _explained(path, line)] == []
