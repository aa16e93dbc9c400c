"""The base of every request body: unknown fields are refused, and so is NUL anywhere in a string
(PostgreSQL text cannot hold U+0000; refusing it for both databases keeps them in agreement)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


def _no_nul(v: Any) -> Any:
    if isinstance(v, str):
        if "\x00" in v:
            raise ValueError("must not contain the NUL character (\\u0000)")
        if not v.isascii():
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate (\ud800) is not text any database can store
                raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    if isinstance(v, dict):
        for key, item in v.items():
            _no_nul(key)
            _no_nul(item)
    elif isinstance(v, list | tuple):
        for item in v:
            _no_nul(item)
    return v


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    _nul = field_validator("*", mode="before")(_no_nul)
