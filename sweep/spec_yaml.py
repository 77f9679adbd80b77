"""Reading a spec's YAML with limits, so a hostile or broken file is refused in
milliseconds with its file and line instead of a traceback, a RecursionError or
a machine out of memory.

A spec is a few dozen lines; the limits are far above any real one:
- nesting deeper than MAX_DEPTH (PyYAML's composer recurses per level),
- more than MAX_NODES nodes once aliases are expanded (an anchor "bomb" builds
  shared references cheaply, but dumping or validating them expands them),
- a key twice in one mapping (PyYAML keeps the last one silently),
- bytes that are not UTF-8.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
import yaml.reader
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode

from evaluation.errors import XmixError

MAX_BYTES = 1 << 20
MAX_DEPTH = 32
MAX_NODES = 10_000
MERGE_TAG = "tag:yaml.org,2002:merge"


class SpecLimitError(ComposerError):
    """A file YAML accepts but a spec must not be; carries the mark of the offending node."""


class SpecLoader(yaml.SafeLoader):
    """SafeLoader that bounds depth and expanded size and refuses duplicate keys."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0
        self._deepest = 0
        self._extent: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded nodes, height)

    def compose_node(self, parent, index):
        if self.check_event(AliasEvent):
            return self._compose_alias(parent, index)
        mark = self.peek_event().start_mark
        self._depth += 1
        self._grow(1, self._depth, mark)
        before, deepest_before, self._deepest = self._nodes, self._deepest, self._depth
        node = super().compose_node(parent, index)
        self._extent[id(node)] = (self._nodes - before, self._deepest - self._depth + 1)
        self._deepest = max(deepest_before, self._deepest)
        self._depth -= 1
        return node

    def _compose_alias(self, parent, index):
        event = self.peek_event()
        node = super().compose_node(parent, index)  # raises for an undefined alias
        if id(node) not in self._extent:  # still being composed: a cycle no spec field can hold
            raise SpecLimitError(problem=f"alias *{event.anchor} refers to a node that contains it",
                                 problem_mark=event.start_mark)
        size, height = self._extent[id(node)]
        self._grow(size, self._depth + height, event.start_mark)
        return node

    def _grow(self, nodes: int, depth: int, mark) -> None:
        self._nodes += nodes
        self._deepest = max(self._deepest, depth)
        if depth > MAX_DEPTH:
            raise SpecLimitError(problem=f"nested deeper than {MAX_DEPTH} levels (a spec needs about 4)",
                                 problem_mark=mark)
        if self._nodes > MAX_NODES:
            raise SpecLimitError(problem=f"expands to more than {MAX_NODES} YAML nodes (aliases count once per "
                                 "use); a spec needs a few hundred", problem_mark=mark)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, MappingNode):
            self._refuse_duplicate_keys(node)
        return super().construct_mapping(node, deep=deep)

    def _refuse_duplicate_keys(self, node: MappingNode) -> None:
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:  # `<<: *base` then an explicit key is an override, not a duplicate
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                seen = first_line.get(key)
            except TypeError:
                raise ConstructorError(problem=f"a mapping key must be a plain value, got {key!r}",
                                       problem_mark=key_node.start_mark) from None
            if seen is not None:
                raise SpecLimitError(problem=f"duplicate key {key!r} (first at line {seen}); a key may appear "
                                     "once per mapping", problem_mark=key_node.start_mark)
            first_line[key] = key_node.start_mark.line + 1


# YAML 1.1 (PyYAML) reads 2e-5 as a string; YAML 1.2 and every spec author read a number.
SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))


def load_yaml(text: str) -> Any:
    """Raises yaml.YAMLError (SpecLimitError for the limits above)."""
    return yaml.load(text, Loader=SpecLoader)  # noqa: S506 (SpecLoader is a SafeLoader)


def read_spec_text(path: Path) -> str:
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise XmixError(f"{path}: {len(data)} bytes; a spec is a small YAML file (at most {MAX_BYTES} bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise XmixError(f"{path}:{line}: not UTF-8 text (byte 0x{data[error.start]:02x} at column {column}); "
                        "save the spec as UTF-8") from None


def describe_yaml_error(error: yaml.YAMLError, text: str) -> tuple[int | None, str]:
    """(1-based line or None, reason) for any PyYAML error."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is not None:
        line = mark.line + 1
    elif isinstance(getattr(error, "position", None), int):  # ReaderError: a control character
        line = text.count("\n", 0, error.position) + 1
    else:
        line = None
    if isinstance(error, yaml.reader.ReaderError):
        return line, (f"character U+{error.character:04X} is not allowed in YAML "
                      "(is this a binary or UTF-16 file? save the spec as UTF-8 text)")
    reason = getattr(error, "problem", None) or str(error)
    return line, reason
