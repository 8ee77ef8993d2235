"""Parse YAML into plain Python values while remembering the line of every node.

PyYAML's ``safe_load`` forgets positions and silently keeps the last of two duplicate keys; an
admin who pasted a step twice deserves to be told where. So we build the values ourselves, from
the parser's events: libyaml produces them when PyYAML was built with it (the pure-Python parser
takes 40 ms for the default flow, which every start-up and every admin's upload waits for).

Building from events, not from PyYAML's composed node graph, is what keeps a hostile file cheap.
A flow file is data an admin types, so it needs none of YAML's object machinery, and each part of
that machinery was a way in (issue 20, finding 5):

- anchors and aliases are refused at the first ``&`` or ``*``, before anything is expanded: a
  527-byte "billion laughs" file expanded to 2.7 GB, and an alias to itself recursed for ever;
- tags never construct anything: only plain text, whole numbers, decimals, true/false and null
  are made (explicit ``!!str``, ``!!int`` … are allowed when the value fits); ``!!python/…``,
  ``!!binary``, ``!!timestamp`` and any other tag is a located error; dates stay the text written;
- the file's size, its number of nodes, its nesting and the length of its keys are capped, so
  the values and the path of every node stay small whatever the file holds.

Every way a file can fail is a located ``LoadProblem``, never an exception.
"""

from __future__ import annotations

from typing import Any

import yaml

from .errors import LoadProblem, clip

Lines = dict[str, int]

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_SOURCE_CHARS = 512 * 1024  # the upload limit; the default flow is 18 KB
MAX_NODES = 20_000  # keys, values and lists; the default flow has about 600
MAX_DEPTH = 16  # a flow needs 8 (steps[2].next[0].when.ask.not[1])
MAX_KEY_CHARS = 64  # keys are names: step ids (32 at most), languages, report fields

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + name for name in ("str", "int", "float", "bool", "null")}
_COLLECTION_TAGS = {yaml.SequenceStartEvent: _TAG + "seq", yaml.MappingStartEvent: _TAG + "map"}
_IMPLICIT = {_TAG + name for name in ("int", "float", "bool", "null")}  # others (dates, "<<", "=") stay text
_NO_ALIASES = "anchors (&name) and aliases (*name) are not allowed; write each value out in full"


class _Refused(Exception):
    """A problem that stops the build at once: going on would mean expanding or nesting without limit."""

    def __init__(self, problem: LoadProblem) -> None:
        self.problem = problem


def _tag(tag: str) -> str:
    return clip(tag.replace(_TAG, "!!", 1) if tag.startswith(_TAG) else tag)


def child_path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def parse(source: str) -> tuple[Any, Lines, list[LoadProblem]]:
    """Returns (value, line of each path, problems). When the file cannot be read at all the value is None."""
    if len(source) > MAX_SOURCE_CHARS:
        size = f"{len(source) // 1024} KB"
        return None, {}, [LoadProblem("", f"the file is {size}; the limit is {MAX_SOURCE_CHARS // 1024} KB", 1)]
    tree: _Tree | None = None
    try:
        tree = _Tree(source)
        return tree.build()
    except _Refused as exc:
        return None, {}, [exc.problem]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        line = mark.line + 1 if mark is not None else None
        if isinstance(exc, yaml.reader.ReaderError):  # a control character: located by its offset
            line = source.count("\n", 0, exc.position) + 1
        return None, {}, [LoadProblem("", f"not valid YAML: {problem}", line)]
    except UnicodeError:  # a lone surrogate, which no UTF-8 file holds but a str can
        return None, {}, [LoadProblem("", "not valid YAML: the text is not valid Unicode", None)]
    finally:
        if tree is not None:
            tree.close()


class _Tree:
    def __init__(self, source: str) -> None:
        self.loader: Any = _LOADER(source)  # PyYAML's stubs leave its event API untyped
        self.lines: Lines = {}
        self.problems: list[LoadProblem] = []
        self.nodes = 0

    def close(self) -> None:
        self.loader.dispose()

    def build(self) -> tuple[Any, Lines, list[LoadProblem]]:
        loader = self.loader
        loader.get_event()  # stream start
        if loader.check_event(yaml.StreamEndEvent):
            return None, self.lines, [LoadProblem("", "the file is empty", 1)]
        loader.get_event()  # document start
        value = self.node("", 0, keep=True)
        loader.get_event()  # document end
        if not loader.check_event(yaml.StreamEndEvent):
            line = loader.peek_event().start_mark.line + 1
            raise _Refused(LoadProblem("", "the file must hold one document; remove the second '---'", line))
        return value, self.lines, self.problems

    def node(self, path: str, depth: int, keep: bool) -> Any:
        """The value of the next node. ``keep`` is False inside a duplicate key's value, which is read
        (to get past it) but must not move the lines recorded for the first one."""
        event = self.loader.get_event()
        line = event.start_mark.line + 1
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Refused(
                LoadProblem(
                    path,
                    f"the file has more than {MAX_NODES} values (keys, texts, list items); a flow needs far fewer",
                    line,
                )
            )
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(LoadProblem(path, _NO_ALIASES, line))
        if keep:
            self.lines[path] = line
        if isinstance(event, yaml.ScalarEvent):
            return self.scalar(event, path, line)
        if depth >= MAX_DEPTH:
            raise _Refused(LoadProblem(path, f"nested more than {MAX_DEPTH} levels deep", line))
        wanted = _COLLECTION_TAGS[type(event)]
        if event.tag not in (None, "!", wanted):
            fits = "does not fit a list" if wanted.endswith("seq") else "does not fit a mapping"
            why = fits if event.tag in _COLLECTION_TAGS.values() else "is not allowed"
            self.problems.append(LoadProblem(path, f"the tag {_tag(event.tag)} {why}; remove it", line))
        if isinstance(event, yaml.SequenceStartEvent):
            items: list[Any] = []
            while not self.loader.check_event(yaml.SequenceEndEvent):
                items.append(self.node(child_path(path, len(items)), depth + 1, keep))
            self.loader.get_event()
            return items
        result: dict[str, Any] = {}
        while not self.loader.check_event(yaml.MappingEndEvent):
            key, key_line = self.key(path)
            sub = child_path(path, key)
            if key in result:
                self.problems.append(LoadProblem(sub, "this key appears twice", key_line))
                self.node(sub, depth + 1, keep=False)
                continue
            result[key] = self.node(sub, depth + 1, keep)
        self.loader.get_event()
        return result

    def key(self, path: str) -> tuple[str, int]:
        event = self.loader.get_event()
        line = event.start_mark.line + 1
        self.nodes += 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(LoadProblem(path, _NO_ALIASES, line))
        if not isinstance(event, yaml.ScalarEvent):
            raise _Refused(LoadProblem(path, "a key must be a name, not a list or a mapping", line))
        if event.tag not in (None, "!", _TAG + "str"):
            raise _Refused(LoadProblem(path, f"the tag {_tag(event.tag)} is not allowed on a key; remove it", line))
        key = str(event.value)
        if len(key) > MAX_KEY_CHARS:
            message = f"the key {clip(key)} is too long for a name (max {MAX_KEY_CHARS} characters)"
            raise _Refused(LoadProblem(path, message, line))
        return key, line

    def scalar(self, event: yaml.ScalarEvent, path: str, line: int) -> Any:
        value: str = event.value
        tag = event.tag
        if tag in (None, "!"):
            # Resolved the way PyYAML's composer does: plain scalars by their look, quoted ones as text.
            tag = self.loader.resolve(yaml.ScalarNode, value, event.implicit)
            return self.construct(tag, value, path, line) if tag in _IMPLICIT else value
        if tag == _TAG + "str":
            return value
        if tag not in _SCALAR_TAGS:
            self.problems.append(LoadProblem(path, f"the tag {_tag(tag)} is not allowed; remove it", line))
            return None
        looks = self.loader.resolve(yaml.ScalarNode, value, (True, False))
        if tag == looks or (tag == _TAG + "float" and looks == _TAG + "int"):
            return self.construct(tag, value, path, line)
        self.problems.append(LoadProblem(path, f"{clip(value)} is not a valid {_tag(tag)[1:-1]}", line))
        return None

    def construct(self, tag: str, value: str, path: str, line: int) -> Any:
        try:
            return self.loader.yaml_constructors[tag](self.loader, yaml.ScalarNode(tag, value))
        except (ValueError, yaml.YAMLError):  # 0b_ matches YAML's int pattern; 5,000 digits exceed Python's
            self.problems.append(LoadProblem(path, f"{clip(value)} is not a number this file can hold", line))
            return None
