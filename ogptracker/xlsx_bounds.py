"""Bounds an uploaded XLSX is checked against before openpyxl reads a row of it (issue 23).

A small XLSX can hold a great deal: its parts are compressed (a 336 KB file held one row of
3,000,000 cells, which openpyxl took 64 s and 2.75 GB to refuse), and openpyxl's read-only mode
pads every row to the width a sheet's <dimension> claims. So, before reading: the parts' unpacked
size (as the zip declares it, which zipfile then holds each part to), and a streaming pass over
each worksheet's XML (expat, a piece at a time, stopping at the first excess) counting the rows,
the cells of each row and the characters of each value, and reading the dimension's claim.
"""

import io
import re
import zipfile
from dataclasses import dataclass
from xml.parsers import expat

# Read from a part at a time.
PIECE = 64 * 1024
DIMENSION = re.compile(r"^[A-Z]{1,3}[0-9]+(?::([A-Z]{1,3})([0-9]+))?$")


@dataclass(frozen=True)
class Bounds:
    unpacked_bytes: int
    rows: int
    cells_per_row: int
    field_chars: int


class OutOfBounds(Exception):
    """`what` exceeds its bound: "unpacked", "rows", "cells" or "field"."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def check(data: bytes, bounds: Bounds) -> None:
    """Raises OutOfBounds at the first bound the workbook exceeds; zipfile.BadZipFile (or other
    errors of a damaged file) as reading it would."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        infos = package.infolist()
        if sum(info.file_size for info in infos) > bounds.unpacked_bytes:
            raise OutOfBounds("unpacked")
        for info in infos:
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                with package.open(info) as part:
                    _scan(part, bounds)


def _scan(part, bounds: Bounds) -> None:
    parser = expat.ParserCreate()
    state = {"rows": 0, "cells": 0, "chars": 0}

    def start(name, attributes):
        name = name.rpartition(":")[2]
        state["chars"] = 0  # a value's characters: those since the last element opened
        if name == "row":
            state["rows"] += 1
            state["cells"] = 0
            if state["rows"] > bounds.rows:
                raise OutOfBounds("rows")
        elif name == "c":
            state["cells"] += 1
            if state["cells"] > bounds.cells_per_row:
                raise OutOfBounds("cells")
        elif name == "dimension":
            match = DIMENSION.match(attributes.get("ref", "").replace("$", "").upper())
            if match and match.group(1):
                if _column_number(match.group(1)) > bounds.cells_per_row:
                    raise OutOfBounds("cells")
                if int(match.group(2)) > bounds.rows:
                    raise OutOfBounds("rows")

    def text(content):
        state["chars"] += len(content)
        if state["chars"] > bounds.field_chars:
            raise OutOfBounds("field")

    parser.StartElementHandler = start
    parser.CharacterDataHandler = text
    while piece := part.read(PIECE):
        parser.Parse(piece, False)
    parser.Parse(b"", True)
