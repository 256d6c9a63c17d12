"""List functions longer than a limit (default 60 lines) in a package, longest first.

Usage: ``python scripts/function_lengths.py [finance_core] [--limit 60]``. Each line shows
the total length, the lines of code without the docstring, and ``path:line name``.
"""

from __future__ import annotations

import argparse
import ast
import pathlib


def long_functions(root: pathlib.Path, limit: int) -> list[tuple[int, int, str]]:
    """(total lines, code lines without docstring, location) of every function over ``limit``."""
    rows = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            total = (node.end_lineno or node.lineno) - node.lineno + 1
            first = node.body[0]
            has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            doc = (first.end_lineno or first.lineno) - first.lineno + 1 if has_doc else 0
            if total > limit:
                rows.append((total, total - doc, f"{path}:{node.lineno} {node.name}"))
    return sorted(rows, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default="finance_core")
    parser.add_argument("--limit", type=int, default=60)
    args = parser.parse_args()
    for total, code, where in long_functions(pathlib.Path(args.root), args.limit):
        print(f"{total:4d} {code:4d}  {where}")


if __name__ == "__main__":
    main()
