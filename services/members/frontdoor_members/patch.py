"""One rule for every PATCH body: a field left out is unchanged; null clears it only where
clearing means something (the field's type allows None, and the OpenAPI says nullable);
anywhere else null is a 422 naming the field."""

from __future__ import annotations

import types
from typing import Any, ClassVar, Union, get_args, get_origin

from pydantic import BaseModel, Field, ValidationInfo, field_validator


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def Unchanged(**constraints: Any) -> Any:
    """A PATCH field that cannot be null: absent means unchanged (no default shown in the OpenAPI)."""
    return Field(default=None, json_schema_extra=_drop_default, **constraints)


def allows_none(annotation: Any) -> bool:
    """Whether the annotation admits None (X | None, Optional[X])."""
    if annotation is None or annotation is type(None):
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return any(allows_none(a) for a in get_args(annotation))
    return False


class PatchModel(BaseModel):
    """Base of PATCH bodies. Subclasses may add `null_hints` (field -> what to do instead)."""

    null_hints: ClassVar[dict[str, str]] = {}

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_it_clears(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name is not None:
            field = cls.model_fields[info.field_name]
            if not allows_none(field.annotation):
                hint = cls.null_hints.get(info.field_name) or f"leave {info.field_name} out to keep it unchanged"
                raise ValueError(f"cannot be null: {hint}")
        return value
