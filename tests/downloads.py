"""Reading the files the export service sends, as a spreadsheet or a GIS tool would."""

import csv
import io
import json

BOM = b"\xef\xbb\xbf"


def body(response) -> bytes:
    """The bytes of a streamed or ordinary response (a stream is read once, then kept)."""
    if not response.streaming:
        return response.content
    if not hasattr(response, "downloaded"):
        response.downloaded = b"".join(response.streaming_content)
    return response.downloaded


def csv_rows(response) -> list[list[str]]:
    """The rows of a CSV export, which must start with the UTF-8 byte-order mark (stripped here)."""
    data = body(response)
    assert data.startswith(BOM), data[:20]
    return list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"))))


def json_body(response):
    """A JSON or GeoJSON export, streamed or not."""
    return json.loads(body(response).decode("utf-8"))
