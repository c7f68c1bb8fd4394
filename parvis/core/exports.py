"""The export service every module uses: CSV, GeoJSON and JSON files with one set of conventions.

- CSV: UTF-8 with a byte-order mark (spreadsheet software then reads accents correctly), commas, one
  header row, streamed row by row. A text cell a spreadsheet would evaluate as a formula (starting with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is prefixed with ``'`` so that it is shown as
  text (OWASP, "CSV injection"); numbers stay numbers.
- GeoJSON: a ``FeatureCollection`` of WGS84 features (``[lon, lat]``), streamed feature by feature.
- JSON: UTF-8 without ``\\u`` escapes.

A file meant to be saved gets ``Content-Disposition: attachment``; data read by a page's map does not.
The pabulib file of the participatory budget keeps its own format (``budget/rules/pabulib.py``).
"""

import csv
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, StreamingHttpResponse

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The cell as a spreadsheet must show it: text that would start a formula is prefixed with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose ``write`` returns the line, so that csv.writer can feed a stream."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence | Mapping]) -> Iterator[str]:
    """The lines of the file, the first one starting with the byte-order mark. A row is a sequence in
    the header's order or a mapping keyed by the header's names (missing keys are empty cells)."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(header)
    for row in rows:
        if isinstance(row, Mapping):
            row = [row.get(name, "") for name in header]
        yield writer.writerow([neutralise(value) for value in row])


def _attachment(response, filename: str | None):
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(header: Sequence[str], rows: Iterable[Sequence | Mapping], *, filename: str):
    """A streamed CSV download (rows are read lazily: pass a generator or an iterator for big exports)."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    return _attachment(response, filename)


def point(lat: float | None, lon: float | None) -> dict | None:
    """A GeoJSON point from latitude and longitude (GeoJSON writes longitude first)."""
    if lat is None or lon is None:
        return None
    return {"type": "Point", "coordinates": [lon, lat]}


def feature(geometry: dict | None, properties: Mapping, *, id=None) -> dict:
    out = {"type": "Feature", "geometry": geometry, "properties": dict(properties)}
    if id is not None:
        out["id"] = id
    return out


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder)


def geojson_lines(features: Iterable[dict]) -> Iterator[str]:
    yield '{"type": "FeatureCollection", "features": ['
    separator = ""
    for item in features:
        yield separator + _dumps(item)
        separator = ","
    yield "]}"


def geojson_response(features: Iterable[dict], *, filename: str | None = None):
    """A streamed FeatureCollection; ``filename`` makes it a download."""
    response = StreamingHttpResponse(
        geojson_lines(features), content_type="application/geo+json; charset=utf-8"
    )
    return _attachment(response, filename)


def json_response(data, *, filename: str | None = None):
    """A JSON document (dates as ISO 8601); ``filename`` makes it a download."""
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=1, cls=DjangoJSONEncoder),
        content_type="application/json; charset=utf-8",
    )
    return _attachment(response, filename)
