"""Parse YAML into plain Python values while remembering the line of every node.

PyYAML's ``safe_load`` forgets positions and silently keeps the last of two duplicate keys; an
admin who pasted a step twice deserves to be told where. So we compose the node graph ourselves.
libyaml composes it when PyYAML was built with it: the pure-Python parser takes 40 ms for the
default flow, which every start-up and every admin's upload waits for.
"""

from __future__ import annotations

from typing import Any

import yaml

from .errors import LoadProblem

Lines = dict[str, int]

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def child_path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def parse(source: str) -> tuple[Any, Lines, list[LoadProblem]]:
    """Returns (value, line of each path, problems). On a YAML syntax error the value is None."""
    try:
        root = yaml.compose(source, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        line = mark.line + 1 if mark is not None else None
        return None, {}, [LoadProblem("", f"not valid YAML: {problem}", line)]
    lines: Lines = {}
    problems: list[LoadProblem] = []
    if root is None:
        return None, lines, [LoadProblem("", "the file is empty", 1)]
    # One constructor for the whole tree: scalars are resolved the way YAML defines ints, bools and nulls.
    constructor = yaml.SafeLoader("")
    value = _convert(root, "", lines, problems, constructor)
    return value, lines, problems


def _convert(
    node: yaml.Node, path: str, lines: Lines, problems: list[LoadProblem], constructor: yaml.SafeLoader
) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            sub = child_path(path, key)
            if key in result:
                problems.append(LoadProblem(sub, "this key appears twice", key_node.start_mark.line + 1))
                continue
            result[key] = _convert(value_node, sub, lines, problems, constructor)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(v, child_path(path, i), lines, problems, constructor) for i, v in enumerate(node.value)]
    return constructor.construct_object(node, deep=True)
