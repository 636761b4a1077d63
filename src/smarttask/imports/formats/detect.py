"""Which format a file is in, and its parse into the neutral representation."""

from __future__ import annotations

import json

from smarttask.imports.formats import smarttask, todoist, trello
from smarttask.imports.formats.common import csv_rows, decode
from smarttask.imports.ir import FormatError, ImportedProject

NAMES = (smarttask.JSON_NAME, smarttask.CSV_NAME, todoist.NAME, trello.NAME)


def detect(data: bytes) -> str:
    """The name of the file's format; FormatError when it is none of those known."""
    text = decode(data)
    if text.lstrip().startswith(("{", "[")):
        try:
            document = json.loads(text)
        except ValueError as error:
            raise FormatError(f"The file is not valid JSON: {error}.") from error
        if smarttask.is_json(document):
            return smarttask.JSON_NAME
        if trello.is_trello(document):
            return trello.NAME
        raise FormatError("The JSON file is neither a smarttask/1 export nor a Trello board.")
    header, _ = csv_rows(text)
    if smarttask.is_csv(header):
        return smarttask.CSV_NAME
    if todoist.is_todoist(header):
        return todoist.NAME
    raise FormatError(
        "The file is neither smarttask CSV or JSON, Todoist CSV nor a Trello board export."
    )


def parse(data: bytes) -> ImportedProject:
    """The file's contents, whatever its (detected) format."""
    kind = detect(data)
    text = decode(data)
    if kind == smarttask.JSON_NAME:
        return smarttask.parse_json(json.loads(text))
    if kind == trello.NAME:
        return trello.parse(json.loads(text))
    if kind == smarttask.CSV_NAME:
        return smarttask.parse_csv(text)
    return todoist.parse(text)
