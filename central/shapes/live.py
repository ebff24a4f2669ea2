"""Shapes of live announcements (a speaker on air through Icecast) and the stations' two live calls."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, WithJsonSchema

from . import Answer, OneOf, OpenShape, Time
from .station import OpenAnswer
from .workflow import SomeTargets, Targets

Short = Annotated[str, Field(max_length=16)]


class Live(Answer):
    id: int
    title: str
    bulletin_id: int
    priority: Annotated[str, OneOf(("priority",))]
    status: Annotated[str, OneOf(("on_air", "ended"))]
    targets: Targets
    author: str
    area_code: str | None
    started_at: Time
    ended_at: Time | None
    end_reason: Annotated[str | None, OneOf(("ended", "speaker_lost", None)),
                          WithJsonSchema({"type": ["string", "null"], "enum": ["ended", "speaker_lost", None]})]
    mount: str
    note: str | None


class LiveList(Answer):
    live: list[Live]


class LiveNew(OpenShape):
    title: Annotated[str, Field(max_length=250)] = ""
    targets: SomeTargets


class LiveChunk(OpenShape):
    """One part of a multipart form: the speaker's next timeslice of audio."""

    chunk: Annotated[str, WithJsonSchema({
        "type": "string", "contentMediaType": "application/octet-stream", "minLength": 1,
        "description": "the next MediaRecorder timeslice; the first starts a WebM or Ogg stream"})]
    seq: Annotated[int, Field(ge=0, description="the chunk's number, for the speaker's own use")] = 0


class LiveAudio(Answer):
    id: int
    chunks: int


class StationLive(OpenAnswer):
    """A live announcement a station should play now (the station contract: it may grow members)."""

    id: int
    bulletin_id: int
    title: str
    priority: str
    started_at: Time
    url: str = Field(description="the Icecast mount to play")
    username: str
    password: str = Field(description="signed, short-lived: ask again to re-join")
    lost_after_s: float


class StationLiveList(Answer):
    live: list[StationLive]


def _text(n: int) -> object:
    return Field(max_length=n)


class IcecastListener(OpenShape):
    """What Icecast's listener authentication posts (a form)."""

    action: Annotated[str, _text(32)] = ""
    mount: Annotated[str, _text(200)] = ""
    user: Annotated[str, _text(64)] = ""
    # "pass" is a Python keyword: the form's name is its alias
    pass_: Annotated[str, _text(200)] = Field("", alias="pass")
    server: Annotated[str, _text(200)] = ""
    port: Annotated[str, _text(16)] = ""
    client: Annotated[str, _text(32)] = ""
    ip: Annotated[str, _text(64)] = ""
    agent: Annotated[str, _text(500)] = ""
