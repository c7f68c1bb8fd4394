"""The one input-cleaning layer: what no form, filter or API schema may receive, refused before any view.

Every request's path, query string, form fields and JSON body are read once here. A value that no
database can store or no use case needs is answered with a 400 and a clear message, so that no view,
form or schema has to remember it:

- text with a NUL character (PostgreSQL refuses it) or a lone UTF-16 surrogate (neither database can
  encode it);
- an integer beyond ±(2**53 - 1) (offsets, identifiers, amounts: far past any real value, and past what
  the databases' 64-bit columns and JSON clients hold);
- a JSON number that is not finite (``NaN``, ``Infinity``);
- a JSON list or object with more than ``PARVIS_INPUT_MAX_ITEMS`` entries (each use case then checks its
  own, smaller limit before any work).
"""

import json
import math
import re

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

MAX_INTEGER = 2**53 - 1
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


class InputRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _field_label(name) -> str:
    return str(name)[:40].translate({0: "?"}).encode("utf-8", "replace").decode("utf-8")


def check_text(name, value: str) -> None:
    """Refuse NUL and lone surrogates; a value made only of digits is an integer and must be in range."""
    if _FORBIDDEN.search(value):
        raise InputRefused(
            _("« %(field)s » contient un caractère invalide (caractère nul ou de substitution).")
            % {"field": _field_label(name)}
        )
    digits = value.strip()
    if digits[:1] in {"+", "-"}:
        digits = digits[1:]
    if digits.isascii() and digits.isdigit():
        # More than 16 digits is past MAX_INTEGER: no int() of a huge string is ever attempted.
        check_integer(name, int(value) if len(digits) <= 16 else MAX_INTEGER + 1)


def check_integer(name, value: int) -> None:
    if abs(value) > MAX_INTEGER:
        raise InputRefused(
            _("« %(field)s » : nombre trop grand (au plus %(max)d).")
            % {"field": _field_label(name), "max": MAX_INTEGER}
        )


def check_json(value, name="body") -> None:
    """Walk a decoded JSON document: text, numbers and the size of every list and object."""
    stack = [(name, value)]
    limit = settings.PARVIS_INPUT_MAX_ITEMS
    while stack:
        name, value = stack.pop()
        if isinstance(value, str):
            check_text(name, value)
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            check_integer(name, value)
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise InputRefused(_("« %(field)s » : nombre invalide.") % {"field": _field_label(name)})
        elif isinstance(value, (list, dict)):
            if len(value) > limit:
                raise InputRefused(
                    _("« %(field)s » : trop d'éléments (au plus %(n)d).")
                    % {"field": _field_label(name), "n": limit}
                )
            if isinstance(value, dict):
                for key, item in value.items():
                    check_text(name, key)
                    stack.append((key, item))
            else:
                stack.extend((name, item) for item in value)


def check_request(request) -> None:
    for segment in request.path_info.split("/"):
        check_text("URL", segment)
    for name, values in request.GET.lists():
        check_text(name, name)
        for value in values:
            check_text(name, value)
    content_type = request.content_type or ""
    if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            for name, values in request.POST.lists():
                check_text(name, name)
                for value in values:
                    check_text(name, value)
            for upload in request.FILES.values():
                check_text("fichier", upload.name or "")
        elif content_type == "application/json" or content_type.endswith("+json"):
            try:
                document = json.loads(request.body or b"null")
            except (ValueError, UnicodeDecodeError):
                return  # the schema answers a malformed body itself
            check_json(document)


def refused_response(request, message: str, status: int = 400):
    """The refusal in the shape the caller reads: Open311's error list, the API's detail, or a page."""
    if request.path.startswith("/open311/"):
        return JsonResponse([{"code": status, "description": message}], status=status, safe=False)
    if request.path.startswith("/api/"):
        # The JSON API's contract: a request it cannot even read (parameters or body) is a 422, as
        # ninja answers for a schema error; 400 is for data a use case refuses (decision 0141).
        return JsonResponse({"detail": message}, status=422 if status == 400 else status)
    if "json" in request.headers.get("Accept", ""):
        return JsonResponse({"detail": message}, status=status)
    context = {"title": _("Requête refusée"), "text": message}
    return render(request, "core/message.html", context, status=status)


class InputCleaningMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            check_request(request)
        except InputRefused as exc:
            return refused_response(request, exc.message)
        return self.get_response(request)


class RequestSizeMiddleware:
    """Refuse a body announced larger than ``PARVIS_REQUEST_MAX_BYTES`` with a 413, before reading it
    (nothing is received, spooled or parsed). Without a Content-Length Django reads no body at all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.PARVIS_REQUEST_MAX_BYTES:
            message = _("Requête trop volumineuse : %(mb)d Mo au plus (par exemple 3 photos de 10 Mo).") % {
                "mb": settings.PARVIS_REQUEST_MAX_BYTES // (1024 * 1024)
            }
            return refused_response(request, message, status=413)
        return self.get_response(request)
