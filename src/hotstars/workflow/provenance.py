"""Code provenance: the library files a rule script uses, found from the source, never by hand.

A rule's script imports library modules, which import others. The workflow lists every library
file in that import closure as an input of the rule (``code=``), so that editing a module reruns
exactly the rules whose scripts use it, directly or through other modules, and no other.

The closure is read from the source with :mod:`ast` (no code is run): ``import a.b``,
``from a import b`` (``b`` a submodule or a name) and relative imports, at module level or inside
functions. Importing ``a.b.c`` runs ``a/__init__.py`` and ``a/b/__init__.py`` too, so package
``__init__`` files are part of the closure. Package data files and third-party packages are not.
"""

from __future__ import annotations

import ast
import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import MutableMapping

__all__ = ["LibraryImports", "put_first_on_pythonpath"]


def put_first_on_pythonpath(src: str | Path, environ: MutableMapping[str, str] = os.environ) -> str:
    """Put ``src`` first on ``PYTHONPATH`` in ``environ`` (once), so that every process started
    from it imports the library from ``src``, before any installed copy. Returns the new value."""
    src = str(src)
    rest = [p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p not in ("", src)]
    environ["PYTHONPATH"] = os.pathsep.join([src, *rest])
    return environ["PYTHONPATH"]


class LibraryImports:
    """The import closure of scripts inside one package (``package``) under ``src``.

    Paths are returned as POSIX strings relative to ``root`` (the workflow's working directory),
    e.g. ``src/hotstars/io/tables.py``.
    """

    def __init__(self, src: str | Path = "src", package: str = "hotstars",
                 root: str | Path = ".", cache: str | Path | None = None):
        self.root = Path(root)
        self.src = Path(src)
        self.package = package
        # ``cache`` (a JSON file, relative to root): each file's parsed imports, reused while its
        # size and modification time are unchanged (as Python's own bytecode cache), so that a
        # Snakemake started per job (a cluster's job steps) does not parse the library again
        self._cache_path = None if cache is None else self.root / cache
        self._parsed = self._load_cache()
        self._dirty = False

    def _load_cache(self) -> dict:
        if self._cache_path is None:
            return {}
        try:
            data = json.loads(self._cache_path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save_cache(self) -> None:
        """Write the parsed imports to the cache file (atomically; a no-op without a cache or
        when nothing new was parsed). A file that cannot be written is left alone."""
        if self._cache_path is None or not self._dirty:
            return
        tmp = None
        try:
            self._cache_path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self._cache_path.parent, suffix=".part")
            with os.fdopen(fd, "w") as f:
                json.dump(self._parsed, f, sort_keys=True)
            os.replace(tmp, self._cache_path)
            self._dirty = False
        except OSError:
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)

    def _in_package(self, module: str) -> bool:
        return module == self.package or module.startswith(self.package + ".")

    @cache
    def _file(self, module: str) -> Path | None:
        """The source file of a library module (a package's ``__init__.py``), or None."""
        if not self._in_package(module):
            return None
        base = self.root / self.src / Path(*module.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None

    def _parents(self, module: str) -> list[str]:
        parts = module.split(".")
        return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]

    @cache
    def direct(self, path: Path, module: str | None = None) -> frozenset[str]:
        """Library modules imported by one file (``module``: its dotted name, for relative imports)."""
        stat = Path(path).stat()
        key = f"{Path(path).as_posix()}|{module or ''}"
        entry = self._parsed.get(key)
        if not (isinstance(entry, dict) and entry.get("mtime_ns") == stat.st_mtime_ns
                and entry.get("size") == stat.st_size and isinstance(entry.get("names"), list)):
            entry = {"mtime_ns": stat.st_mtime_ns, "size": stat.st_size,
                     "names": sorted(self._imported_names(Path(path), module))}
            self._parsed[key] = entry
            self._dirty = True
        return frozenset(m for m in entry["names"] if self._file(m) is not None)

    def _imported_names(self, path: Path, module: str | None) -> set[str]:
        """Every module name one file's imports may refer to (its parents; for ``from a import
        b``, ``a.b`` too): the library's modules among them are those with a file."""
        tree = ast.parse(path.read_text(), filename=str(path))
        package = None
        if module is not None:
            package = module if Path(path).name == "__init__.py" else module.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    found.update(self._parents(alias.name))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    if package is None:
                        continue
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                if not base:
                    continue
                found.update(self._parents(base))
                found.update(f"{base}.{alias.name}" for alias in node.names)
        return {m for m in found if self._in_package(m)}

    def modules(self, script: str | Path) -> list[str]:
        """Dotted names of every library module ``script`` uses, directly or transitively."""
        seen: set[str] = set()
        todo = list(self.direct(self.root / script))
        while todo:
            module = todo.pop()
            if module in seen:
                continue
            seen.add(module)
            todo.extend(self.direct(self._file(module), module) - seen)
        return sorted(seen)

    def closure(self, script: str | Path) -> list[str]:
        """The library files ``script`` uses (sorted paths relative to the root)."""
        return sorted(self._file(m).relative_to(self.root).as_posix() for m in self.modules(script))
