"""Recipes: a pipeline as data, ``[(stage name, options), ...]``, and the one builder that
turns a recipe into a Pipeline of registered stages. Pipeline text (``"to-mono >>
resample(sample_rate=16000) >> ctc"``, read by a parser, never evaluated) and the JSON that
the Ray backend sends its workers are both recipes.

>>> parse_pipeline("to-mono >> gain(db=-6)").name
'to-mono >> gain'
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable
from typing import Any

from .errors import ParameterError
from .pipeline import Pipeline
from .registry import get_registry

__all__ = ["build_pipeline", "parse_pipeline", "pipeline_recipe", "pipeline_from_recipe", "MAX_PIPELINE_CHARS"]


def build_pipeline(recipe: Iterable[tuple[str, dict[str, Any]]]) -> Pipeline:
    """The Pipeline of registered stages that ``recipe`` (``(name, options)`` pairs) names."""
    registry = get_registry()
    return Pipeline([registry.stage(name, **options) for name, options in recipe])


#: the longest pipeline text sonitus reads
MAX_PIPELINE_CHARS = 10_000


def parse_pipeline(text: str) -> Pipeline:
    """A pipeline from text such as ``"to-mono >> resample(sample_rate=16000) >> ctc"``: stage
    names joined by ``>>``, each with optional keyword options whose values are literals
    (numbers, strings, booleans, None). Read by a parser, never evaluated."""
    if len(text) > MAX_PIPELINE_CHARS:
        raise ParameterError(f"pipeline text is {len(text):,} characters long; a pipeline is at most "
                             f"{MAX_PIPELINE_CHARS:,} (stage names and a few options).")
    parts = _split_top_level(text)
    if not parts or any(not p.strip() for p in parts):
        raise ParameterError(f"pipeline {text!r}: expected stage names joined by '>>', e.g. 'to-mono >> logmel'.")
    return build_pipeline([_stage_call(p.strip()) for p in parts])


def _split_top_level(text: str) -> list[str]:
    parts, depth, start, quote = [], 0, 0, ""
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif text.startswith(">>", i) and depth == 0:
            parts.append(text[start:i])
            start = i + 2
            i += 1
        i += 1
    parts.append(text[start:])
    return parts


def _stage_call(text: str) -> tuple[str, dict[str, Any]]:
    name, _, rest = text.partition("(")
    name = name.strip()
    if not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ParameterError(f"pipeline: {text!r} is not a stage name (letters, digits, '-', '_').")
    if not rest:
        return name, {}
    if not rest.rstrip().endswith(")"):
        raise ParameterError(f"pipeline: {text!r} is missing its closing ')'.")
    try:
        call = ast.parse(f"f({rest.rstrip()[:-1]})", mode="eval").body
    except SyntaxError as exc:
        raise ParameterError(f"pipeline: cannot read the options of {text!r} ({exc.msg}); write "
                             "name(option=value, ...).") from None
    except (RecursionError, MemoryError):
        raise ParameterError(f"pipeline: the options of {name} nest too deeply to read; write "
                             "name(option=value, ...) with plain values.") from None
    if call.args:
        raise ParameterError(f"pipeline: {text!r}: options are given by name, e.g. resample(sample_rate=16000).")
    options = {}
    for keyword in call.keywords:
        try:
            options[keyword.arg] = ast.literal_eval(keyword.value)
        except (ValueError, RecursionError, MemoryError):
            raise ParameterError(f"pipeline: option {keyword.arg} of {name} must be a number, string, True, "
                                 f"False or None, not {ast.unparse(keyword.value)!r}.") from None
    return name, options


def pipeline_recipe(pipeline: Pipeline) -> str:
    """``pipeline`` as JSON text: the ``[name, options]`` of each registered stage in it."""
    calls = []
    for stage in pipeline.stages:
        if stage.built_by is None:
            raise ParameterError(f"the ray backend rebuilds the pipeline on every worker from registered stage "
                                 f"names, and stage {stage.name!r} was not built by the registry: build it with "
                                 f"sonitus.dsl.stage(...) or write the pipeline as text.")
        calls.append(list(stage.built_by))
    try:
        return json.dumps(calls)
    except TypeError:
        raise ParameterError(f"the ray backend sends stage options as JSON; pipeline {pipeline.name!r} has an option "
                             f"that is not a number, string, boolean, None or list.") from None


def pipeline_from_recipe(recipe: str) -> Pipeline:
    """The pipeline that :func:`pipeline_recipe` describes, built from this process's registry."""
    return build_pipeline([(name, options) for name, options in json.loads(recipe)])
