"""The one YAML loader of kazind: plain data, the line of every key, and hard limits.

Every YAML file kazind reads (models, scenarios, the record, targets, calibration,
priors) comes through :func:`load_yaml` (or :func:`parse_yaml` for text). Data files
are checked after loading; when a check fails, the error should name the file and the
line, so :class:`YamlDocument` keeps a map from a key path such as
``("variables", 3, "equation")`` to its line.

Since a user may hand kazind any file, the loader refuses, each with one line naming
the file (and the line where it can):

- anything but a regular file (a FIFO, ``/dev/zero``, a directory), before reading;
- a file over :data:`MAX_BYTES`;
- nesting deeper than :data:`MAX_DEPTH` (PyYAML composes recursively, so thousands of
  levels would end in a RecursionError);
- aliases that expand the document beyond :data:`MAX_NODES` values (the "billion
  laughs" bomb is refused after reading a few lines, since the size of every anchored
  value is counted as it is composed), and an alias inside its own anchor
  (``&p {x: *p}``, a value that contains itself);
- integers too large for a float (``10**400`` written out), which no kazind number
  can hold.

Scalars follow YAML 1.2's core schema, not PyYAML's YAML 1.1: ``1e3`` is the number
1000.0 (YAML 1.1 reads it as text), ``012`` is 12, only ``true``/``false`` are booleans
(``yes``, ``no``, ``on`` and ``off`` are text) and dates stay text.
"""

from __future__ import annotations

import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from kazind.common.errors import KazindError

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "KeyPath",
    "YamlDocument",
    "load_yaml",
    "parse_yaml",
    "read_text_file",
]

KeyPath = tuple[str | int, ...]

#: Largest YAML file read (the largest shipped one is about 100 kB).
MAX_BYTES = 8 * 1024 * 1024
#: Deepest nesting of mappings and lists (the shipped files nest at most 7 deep).
MAX_DEPTH = 100
#: Most values in a document after aliases are expanded (the shipped files have < 5,000).
MAX_NODES = 200_000
#: Digits of the longest integer accepted (a float holds at most about 1.8e308).
_MAX_INT_DIGITS = 309


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


# ---------------------------------------------------------------- YAML 1.2 core schema

_INT_RE = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)$")


class _CoreResolver(BaseResolver):
    """Plain scalars resolved as YAML 1.2's core schema says (ints are tried before
    floats, so ``12`` is an int and ``1.5``, ``1e3`` are floats)."""


for _tag, _regexp, _first in (
    ("tag:yaml.org,2002:bool", _BOOL_RE, "tTfF"),
    ("tag:yaml.org,2002:int", _INT_RE, "-+0123456789"),
    ("tag:yaml.org,2002:float", _FLOAT_RE, "-+0123456789."),
    ("tag:yaml.org,2002:null", _NULL_RE, ["~", "n", "N", ""]),
):
    _CoreResolver.add_implicit_resolver(_tag, _regexp, list(_first))


class _Refused(Exception):
    """A limit of this module was hit at ``mark`` (turned into a KazindError)."""

    def __init__(self, message: str, mark) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class _Loader(Reader, Scanner, Parser, Composer, SafeConstructor, _CoreResolver):
    """PyYAML's safe loader with the core schema, a nesting cap and counted aliases.

    While composing, every node adds one to a running count and an alias adds the size
    of the value it names (known, since an anchor's value is complete before it can be
    named elsewhere); an alias to a value still being composed is the value itself.
    """

    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        _CoreResolver.__init__(self)
        self.count = 0  # values in the document, aliases expanded
        self.depth = 0  # nesting of the node being composed
        self.deepest = 0  # deepest nesting reached, aliases expanded
        self.open_anchors: set[str] = set()
        self.anchor_size: dict[str, int] = {}
        self.anchor_height: dict[str, int] = {}

    def _add(self, n: int, mark) -> None:
        self.count += n
        if self.count > MAX_NODES:
            raise _Refused(
                f"the document holds more than {MAX_NODES:,} values once its aliases (*name) "
                "are expanded; write the values out or use fewer aliases",
                mark,
            )

    def _reach(self, depth: int, mark) -> None:
        if depth > MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep", mark)
        self.deepest = max(self.deepest, depth)

    def compose_node(self, parent, index):
        if self.check_event(AliasEvent):
            event = self.peek_event()
            anchor = event.anchor
            if anchor in self.open_anchors:
                raise _Refused(
                    f"the alias *{anchor} is inside the value it names (a value cannot contain itself)",
                    event.start_mark,
                )
            if anchor in self.anchor_size:
                self._add(self.anchor_size[anchor], event.start_mark)
                self._reach(self.depth + self.anchor_height[anchor], event.start_mark)
            return super().compose_node(parent, index)  # PyYAML reports undefined aliases
        event = self.peek_event()
        anchor = event.anchor
        self.depth += 1
        self._reach(self.depth, event.start_mark)
        self._add(1, event.start_mark)
        before_count, before_deepest = self.count, self.deepest
        self.deepest = self.depth
        if anchor is not None:
            self.open_anchors.add(anchor)
        try:
            node = super().compose_node(parent, index)
        finally:
            self.open_anchors.discard(anchor)
            self.depth -= 1
        if anchor is not None:
            self.anchor_size[anchor] = self.count - before_count + 1
            self.anchor_height[anchor] = self.deepest - self.depth
        self.deepest = max(self.deepest, before_deepest)
        return node


# ---------------------------------------------------------------- scalars


def _scalar(node: yaml.ScalarNode) -> Any:
    """A scalar node as a Python value, by the core schema's tags."""
    value, tag = node.value, node.tag
    if tag == "tag:yaml.org,2002:str" or not isinstance(node, yaml.ScalarNode):
        return value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return value.lower() == "true"
    if tag == "tag:yaml.org,2002:int":
        digits = value.lstrip("+-")
        if len(digits) > _MAX_INT_DIGITS:
            raise _Refused(
                f"the integer of {len(digits)} digits is too large (kazind numbers are floats, "
                "at most about 1.8e308)",
                node.start_mark,
            )
        if digits.startswith("0o"):
            number = int(digits[2:], 8)
        elif digits.startswith("0x"):
            number = int(digits[2:], 16)
        else:
            number = int(digits, 10)
        number = -number if value.startswith("-") else number
        if abs(number) > 1.7976931348623157e308:
            raise _Refused(f"the integer {value[:12]}... is too large for a float", node.start_mark)
        return number
    if tag == "tag:yaml.org,2002:float":
        lowered = value.lower()
        if lowered.endswith(".inf"):
            return -math.inf if lowered.startswith("-") else math.inf
        if lowered == ".nan":
            return math.nan
        return float(value)
    raise _Refused(
        f"the tag {tag!r} is not allowed (kazind reads plain data only)", node.start_mark
    )


def _construct(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], file: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        if node.tag != "tag:yaml.org,2002:map":
            raise _Refused(
                f"the tag {node.tag!r} is not allowed (kazind reads plain data only)",
                node.start_mark,
            )
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _construct(key_node, path + ("<key>",), {}, file)
            if not isinstance(key, str | int | float | bool):
                raise KazindError(
                    "mapping keys must be plain scalars",
                    file=file,
                    line=key_node.start_mark.line + 1,
                )
            if key in out:
                raise KazindError(
                    f"duplicate key {key!r}", file=file, line=key_node.start_mark.line + 1
                )
            out[key] = _construct(value_node, path + (key,), lines, file)
            lines[path + (key,)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        if node.tag != "tag:yaml.org,2002:seq":
            raise _Refused(
                f"the tag {node.tag!r} is not allowed (kazind reads plain data only)",
                node.start_mark,
            )
        return [_construct(item, path + (i,), lines, file) for i, item in enumerate(node.value)]
    return _scalar(node)


# ---------------------------------------------------------------- entry points


def _line(mark) -> int | None:
    return mark.line + 1 if mark is not None else None


def _reader_line(text: str, exc: yaml.reader.ReaderError) -> int | None:
    position = getattr(exc, "position", None)
    return text.count("\n", 0, position) + 1 if isinstance(position, int) else None


def parse_yaml(text: str, file: str = "<string>") -> YamlDocument:
    """Parse YAML text safely (no tags, no objects) into a :class:`YamlDocument`.

    Every failure, malformed YAML or a limit of this module, is a :class:`KazindError`
    naming ``file`` and the line.
    """
    if len(text) > MAX_BYTES:
        raise KazindError(f"the text is larger than {MAX_BYTES // (1024 * 1024)} MiB", file=file)
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        lines: dict[KeyPath, int] = {}
        data = None if node is None else _construct(node, (), lines, file)
    except _Refused as exc:
        raise KazindError(exc.message, file=file, line=_line(exc.mark)) from None
    except yaml.reader.ReaderError as exc:
        code = exc.character if isinstance(exc.character, int) else ord(exc.character or "\0")
        what = f"the character U+{code:04X} is not allowed in YAML"
        raise KazindError(
            f"malformed YAML: {what}", file=file, line=_reader_line(text, exc)
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = str(exc.problem or exc.context or exc)
        if exc.problem and exc.context:
            at = f" (line {exc.context_mark.line + 1})" if exc.context_mark else ""
            problem = f"{exc.context}{at}: {exc.problem}"
        problem = " ".join(problem.split())
        raise KazindError(f"malformed YAML: {problem}", file=file, line=_line(mark)) from None
    except yaml.YAMLError as exc:
        raise KazindError("malformed YAML: " + " ".join(str(exc).split()), file=file) from None
    except RecursionError:  # a limit above should come first; never a traceback
        raise KazindError(f"nested too deeply (at most {MAX_DEPTH} levels)", file=file) from None
    finally:
        if loader is not None:
            loader.dispose()
    return YamlDocument(data=data, file=file, lines=lines)


def read_text_file(path: str | Path, max_bytes: int = MAX_BYTES, what: str = "file") -> str:
    """The UTF-8 text of the regular file ``path``, refusing anything else at once.

    A FIFO, a device (``/dev/zero``) or a directory is refused before anything is read
    (the file is opened without blocking and checked with ``fstat``, so a FIFO cannot
    stall the open and a swap of the path between check and read is seen); a file over
    ``max_bytes`` is refused without reading it.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise KazindError(f"{what} not found", file=path) from None
    except IsADirectoryError:
        raise KazindError(f"is a directory, not a {what}", file=path) from None
    except OSError as exc:
        raise KazindError(f"cannot read {what}: {exc.strerror or exc}", file=path) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise KazindError(f"is a directory, not a {what}", file=path)
        if not stat.S_ISREG(info.st_mode):
            raise KazindError(
                f"is not a regular file (a device, FIFO or socket); give a {what}", file=path
            )
        if info.st_size > max_bytes:
            raise KazindError(
                f"is {info.st_size / 2**20:.1f} MiB, larger than the {max_bytes / 2**20:g} MiB a {what} may be",
                file=path,
            )
        with os.fdopen(fd, "rb", closefd=True) as fh:
            fd = -1
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise KazindError(f"cannot read {what}: {exc.strerror or exc}", file=path) from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > max_bytes:  # grew while being read
        raise KazindError(
            f"is larger than the {max_bytes / 2**20:g} MiB a {what} may be", file=path
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise KazindError("is not UTF-8 text", file=path, line=line) from None


def load_yaml(path: str | Path) -> YamlDocument:
    """Read and parse a YAML file; every failure is one :class:`KazindError` line."""
    text = read_text_file(path)
    return parse_yaml(text, file=str(path))
