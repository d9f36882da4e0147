"""Load YAML as plain data while remembering the line of every key and item.

Data files (facts, places, models, scenarios) are checked after loading; when a
check fails, the error should name the file and the line. :class:`YamlDocument`
keeps a map from a key path such as ``("variables", 3, "equation")`` to its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kazind.common.errors import KazindError

KeyPath = tuple[str | int, ...]


@dataclass
class YamlDocument:
    """Plain Python data from a YAML file, plus the 1-based line of each key path."""

    data: Any
    file: str
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def error(self, message: str, path: KeyPath = (), where: str | None = None) -> KazindError:
        """A :class:`KazindError` located at ``path`` in this file."""
        return KazindError(message, file=self.file, line=self.line_of(path), where=where)


def _construct(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], file: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _construct(key_node, path + ("<key>",), {}, file)
            if not isinstance(key, str | int | float | bool):
                raise KazindError(
                    "mapping keys must be plain scalars", file=file, line=key_node.start_mark.line + 1
                )
            if key in out:
                raise KazindError(
                    f"duplicate key {key!r}", file=file, line=key_node.start_mark.line + 1
                )
            out[key] = _construct(value_node, path + (key,), lines, file)
            lines[path + (key,)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, path + (i,), lines, file) for i, item in enumerate(node.value)]
    # Scalars: let the safe constructor resolve ints, floats, bools, nulls and strings.
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def parse_yaml(text: str, file: str = "<string>") -> YamlDocument:
    """Parse YAML text safely (no tags, no objects) into a :class:`YamlDocument`."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        raise KazindError(f"malformed YAML: {problem}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise KazindError(f"malformed YAML: {exc}", file=file) from None
    lines: dict[KeyPath, int] = {}
    try:
        data = None if node is None else _construct(node, (), lines, file)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise KazindError(
            f"malformed YAML: {exc.problem}", file=file, line=mark.line + 1 if mark else None
        ) from None
    return YamlDocument(data=data, file=file, lines=lines)


def load_yaml(path: str | Path) -> YamlDocument:
    """Read and parse a YAML file; a missing or unreadable file is a :class:`KazindError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KazindError("file not found", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KazindError(f"cannot read file: {exc}", file=path) from None
    return parse_yaml(text, file=str(path))
