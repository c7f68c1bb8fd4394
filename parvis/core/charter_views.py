"""Pages of the participation charter: read it, see what changed, accept it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import charter, permissions
from .models import CharterVersion


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def charter_page(request):
    """The version in force; for a person who accepted an earlier one, what changed since, word by word."""
    standing = charter.standing(request.user)
    current = standing.current
    if current is None:
        return render(request, "core/charter.html", {"current": None}, status=404)
    since = None
    if "depuis" in request.GET:
        try:
            since = CharterVersion.objects.filter(number=int(request.GET["depuis"])).first()
        except ValueError:
            since = None
    elif standing.is_update:
        since = standing.accepted
    return render(
        request,
        "core/charter.html",
        {
            "current": current,
            "blocks": charter.blocks(current.body),
            "standing": standing,
            "since": since if since and since.pk != current.pk else None,
            "diff": charter.word_diff(since.body, current.body) if since and since.pk != current.pk else None,
            "versions": CharterVersion.objects.order_by("-number").only("number", "title", "published_at"),
            "next": _next(request),
            "can_moderate": permissions.can_moderate(request.user),
        },
    )


@login_required
@require_POST
def charter_accept(request):
    version = CharterVersion.objects.filter(number=request.POST.get("version") or 0).first()
    try:
        if version is None:
            raise ValidationError(_("Version de la charte inconnue."))
        charter.charter_accept(user=request.user, version=version)
        request.session[charter.SESSION_KEY] = version.number
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("core:charter")
    messages.success(
        request,
        _("Merci : vous avez accepté la charte de participation (version %(n)d).") % {"n": version.number},
    )
    return redirect(_next(request) or "core:charter")
