"""infra/*.yaml read as data: CloudFormation's short tags (!Ref, !Sub, ...) as their long form."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

INFRA = Path(__file__).resolve().parents[1]


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "Fn::GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


@cache
def template(name: str) -> dict[str, Any]:
    """infra/<name>.yaml (name without .yaml)."""
    return yaml.load((INFRA / f"{name}.yaml").read_text(), Loader=_CfnLoader)  # noqa: S506 # nosec B506: SafeLoader
