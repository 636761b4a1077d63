"""FastAPI's pydantic v1 refusal, guarded: no `pydantic.v1` import, the same refusals."""

from __future__ import annotations

import json
import subprocess
import sys

# A fresh interpreter: `pydantic.v1` must not have been imported by anything before.
_CHILD = """
import json, sys, warnings
from datetime import datetime

from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel

from smarttask.speed.pydantic_v1 import guard_pydantic_v1_checks

replaced = guard_pydantic_v1_checks()
again = guard_pydantic_v1_checks()


class Item(BaseModel):
    name: str


app = FastAPI()


@app.get("/item", response_model=Item)
async def item() -> Item:
    return Item(name="x")


encoded = jsonable_encoder({"at": datetime(2026, 1, 1), "item": Item(name="y")})
imported_before = "pydantic.v1" in sys.modules

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from pydantic import v1


class Old(v1.BaseModel):
    name: str


refused = []
try:
    app.get("/old", response_model=Old)(item)
except Exception as error:
    refused.append(type(error).__name__)
try:
    jsonable_encoder(Old(name="z"))
except Exception as error:
    refused.append(type(error).__name__)
print(json.dumps({
    "replaced": replaced, "again": again, "encoded": encoded,
    "imported_before": imported_before, "refused": refused,
}))
"""


def test_routes_and_encoding_need_no_pydantic_v1_and_v1_models_are_still_refused() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, check=True, timeout=60
    )
    result = json.loads(completed.stdout)
    assert result["replaced"] >= 3  # the class check, and the instance check where bound
    assert result["again"] == result["replaced"]  # applying it twice changes nothing
    assert result["encoded"] == {"at": "2026-01-01T00:00:00", "item": {"name": "y"}}
    assert result["imported_before"] is False
    assert result["refused"] == ["PydanticV1NotSupportedError"] * 2
