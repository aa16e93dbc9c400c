"""The assistant's request and response bodies."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from rewardkit.kit.responses import ResponseModel
from rewardkit.kit.schemas import RequestModel

MAX_QUESTION = 1000


class AskRequest(RequestModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION, description="A question in plain words")

    @field_validator("question")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v.strip()


class Citation(ResponseModel):
    kind: Literal["guide", "operation"]
    title: str
    url: str = Field(description="A link on this server: /guides/{page}#{section} or /docs#/{tag}/{operationId}")
    page: str | None = Field(description="The guide (docs/{page}.md), for kind guide")
    section: str | None = Field(description="The heading's anchor in the guide, for kind guide")
    operation_id: str | None = Field(description="For kind operation")
    field: str | None = Field(description="The request field or parameter concerned, when one is")
    score: float = Field(description="Search score (BM25): higher is closer")


class CodeSample(ResponseModel):
    operation_id: str
    language: Literal["shell"] = "shell"
    code: str = Field(
        description="A curl command; $API_KEY is a sandbox key, $REWARDKIT_BASE_URL the server (default http://127.0.0.1:8000)"
    )


class AssistantAnswer(ResponseModel):
    object: Literal["assistant_answer"] = "assistant_answer"
    question: str
    answer: str = Field(description="Sentences of the cited passages (or, in llm mode, written from them only)")
    refused: bool = Field(
        description="True when the docs do not answer: `answer` says so, `citations` are the closest pages"
    )
    confidence: float = Field(ge=0, le=1)
    citations: list[Citation]
    code_sample: CodeSample | None = Field(description="For the operation the answer concerns, when there is one")
    mode: Literal["extractive", "llm"]
