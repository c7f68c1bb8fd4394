import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse_lazy
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import accounts, moderation, modules, permissions, territories, tokens
from .collation import in_french_order
from .demo_mailbox import mailbox_messages as demo_mailbox_messages
from .forms import (
    AddressSearchForm,
    ContestForm,
    DeleteAccountForm,
    FlagForm,
    HideForm,
    LoginForm,
    ProfileForm,
    SignupForm,
    TokenForm,
)
from .geocoding import geocode
from .models import Moderated, Territory, TerritoryLevel
from .notifications import (
    notification_mark_read,
    notification_preferences_set,
    notifications_for,
)
from .notifications import notification_preferences as preference_rows
from .ratelimit import RateLimited, check_rate
from .territories import locate


def _posted(request):
    """The submitted data, even when empty (so that a blank form shows its errors), else None."""
    return request.POST if request.method == "POST" else None


def home(request):
    """What a resident can do now (each module's live items, for their neighbourhood when known), then
    the modules."""
    user = request.user
    home_place = (user.home_neighbourhood or user.home_district) if user.is_authenticated else None
    return render(
        request,
        "core/home.html",
        {
            "live": modules.live_items(request),
            "home_place": home_place,
            "modules": modules.navigation(),
            "territories_approximate": territories_are_approximate(),
        },
    )


def territories_are_approximate() -> bool:
    """Whether districts or neighbourhoods still have the demo's computed boundaries."""
    return Territory.objects.filter(
        approximate=True, level__in=[TerritoryLevel.DISTRICT, TerritoryLevel.NEIGHBOURHOOD]
    ).exists()


def territories_page(request):
    """The city's districts and neighbourhoods: a map, the same as a list, and « find my neighbourhood »."""
    form = AddressSearchForm(request.GET if "adresse" in request.GET else None)
    found = location = None
    if form.is_bound and form.is_valid():
        check_rate(request, "geocode")
        found = geocode(form.cleaned_data["adresse"])
        if found is None:
            form.add_error(
                "adresse", _("Lieu introuvable. Essayez avec un code postal ou le nom du quartier.")
            )
        else:
            location = locate(found.lat, found.lon)
            if not location.inside_city:
                form.add_error("adresse", _("Ce lieu est en dehors du territoire de la ville."))
                location = None
    districts = list(
        Territory.objects.filter(level=TerritoryLevel.DISTRICT)
        .order_by("id")
        .prefetch_related("children")
        .only("id", "code", "name", "population", "approximate")
    )
    districts.sort(key=lambda t: (len(t.code), t.code))
    approximate = territories_are_approximate()
    return render(
        request,
        "core/territories.html",
        {
            "districts": districts,
            "approximate": approximate,
            "form": form,
            "found": found,
            "location": location,
        },
    )


def favicon(request):
    """``/favicon.ico``, which browsers and feed readers ask for whatever the page's ``<link rel="icon">``.

    A temporary redirect to the static file (whose name carries its hash): cached for a day, so that a
    new icon reaches browsers without a permanent redirect pinning the old name.
    """
    response = redirect(static("core/favicon.ico"))
    patch_cache_control(response, public=True, max_age=60 * 60 * 24)
    return response


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def legal(request):
    return render(request, "core/legal.html")


def accessibility(request):
    return render(request, "core/accessibility.html")


def _safe_next(request, default="core:home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def login_view(request):
    form = LoginForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.login_attempt(
                request=request, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
            )
        except RateLimited as exc:
            form.add_error(None, str(exc))
            return render(request, "core/login.html", {"form": form}, status=429)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            login(request, user)
            return redirect(_safe_next(request))
    return render(request, "core/login.html", {"form": form, "next": request.GET.get("next", "")})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("core:home")


def signup(request):
    form = SignupForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            check_rate(request, "signup")
            user = accounts.user_signup(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                display_name=form.cleaned_data["display_name"],
                language=request.LANGUAGE_CODE,
            )
        except RateLimited as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error("password", exc.messages)
        else:
            login(request, user, backend="parvis.core.auth_backends.EmailBackend")
            messages.success(
                request,
                _(
                    "Compte créé. Un e-mail de confirmation vous a été envoyé : "
                    "ouvrez le lien qu'il contient pour pouvoir contribuer."
                ),
            )
            return redirect("core:account")
    return render(request, "core/signup.html", {"form": form})


def confirm_email(request, token):
    try:
        accounts.email_confirm(token)
    except ValidationError as exc:
        if exc.code == "already_confirmed":
            messages.info(request, exc.messages[0])
            return redirect("core:account" if request.user.is_authenticated else "core:login")
        return render(
            request,
            "core/message.html",
            {"title": _("Confirmation impossible"), "text": exc.messages[0]},
            status=400,
        )
    messages.success(request, _("Merci, votre adresse e-mail est confirmée."))
    return redirect("core:account" if request.user.is_authenticated else "core:login")


@login_required
@require_POST
def resend_confirmation(request):
    check_rate(request, "signup")
    if not request.user.email_confirmed:
        accounts.send_confirmation(request.user)
    messages.success(request, _("Un nouvel e-mail de confirmation vous a été envoyé."))
    return redirect("core:account")


def _neighbourhood_choices():
    rows = Territory.objects.filter(level=TerritoryLevel.NEIGHBOURHOOD).values_list("code", "name")
    if rows.exists():
        return in_french_order(rows, name=lambda row: row[1])
    return territories.in_code_order(
        Territory.objects.filter(level=TerritoryLevel.DISTRICT).values_list("code", "name"),
        code=lambda row: row[0],
    )


@login_required
def account(request):
    user = request.user
    initial = {
        "display_name": user.display_name,
        "preferred_language": user.preferred_language,
        "home_address": user.home_address,
        "birth_date": user.birth_date,
        "neighbourhood": (user.home_neighbourhood or user.home_district).code
        if (user.home_neighbourhood or user.home_district)
        else "",
        "home_lat": user.home_lat,
        "home_lon": user.home_lon,
    }
    form = ProfileForm(_posted(request), initial=initial, neighbourhoods=_neighbourhood_choices())
    if request.method == "POST":
        check_rate(request, "write")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            accounts.profile_save(
                user=user,
                display_name=data["display_name"],
                preferred_language=data["preferred_language"],
                home_address=data["home_address"],
                birth_date=data["birth_date"],
                home_lat=data["home_lat"],
                home_lon=data["home_lon"],
                neighbourhood_code=data["neighbourhood"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Profil enregistré."))
            return redirect("core:account")
    new_key = request.session.pop("new_token_key", None)
    return render(
        request,
        "core/account.html",
        {
            "form": form,
            "token_form": TokenForm(),
            "tokens": user.api_tokens.filter(revoked_at__isnull=True),
            "new_key": new_key,
        },
    )


@login_required
@require_POST
def token_create(request):
    check_rate(request, "write")
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            _token, key = tokens.token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            request.session["new_token_key"] = key
    else:
        messages.error(request, _("Donnez un nom au jeton (par exemple le nom de l'application)."))
    return redirect("core:account")


@login_required
@require_POST
def token_revoke(request, token_id):
    check_rate(request, "write")
    tokens.token_revoke(user=request.user, token_id=token_id)
    messages.success(request, _("Jeton révoqué."))
    return redirect("core:account")


@login_required
def account_export(request):
    data = accounts.user_export(request.user)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="parvis-mes-donnees.json"'
    return response


@login_required
def account_delete(request):
    form = DeleteAccountForm(_posted(request))
    if request.method == "POST":
        check_rate(request, "login")  # the form checks the password: same limit as the login
    if request.method == "POST" and form.is_valid():
        if not request.user.check_password(form.cleaned_data["password"]):
            form.add_error("password", _("Mot de passe incorrect."))
        else:
            user = request.user
            logout(request)
            accounts.user_delete(user=user)
            messages.success(
                request,
                _(
                    "Votre compte et vos données personnelles ont été supprimés. "
                    "Vos contributions publiques restent, sans votre nom."
                ),
            )
            return redirect("core:home")
    return render(request, "core/account_delete.html", {"form": form})


@login_required
def notifications(request):
    if request.method == "POST":
        check_rate(request, "write")
        notification_mark_read(user=request.user)
        return redirect("core:notifications")
    items = notifications_for(request.user)[:200]
    return render(request, "core/notifications.html", {"items": items})


@login_required
def notification_preferences(request):
    rows = preference_rows(request.user)
    if request.method == "POST":
        check_rate(request, "write")
        choices = {
            row.kind: (f"site:{row.kind}" in request.POST, f"email:{row.kind}" in request.POST)
            for row in rows
        }
        notification_preferences_set(user=request.user, choices=choices)
        messages.success(request, _("Préférences de notification enregistrées."))
        return redirect("core:notification_preferences")
    return render(request, "core/notification_preferences.html", {"rows": rows})


def _moderated_or_404(ct: ContentType, object_id: str):
    """Only contributions that can be hidden (``Moderated``) can be flagged or moderated."""
    model = ct.model_class()
    if model is None or not issubclass(model, Moderated):
        raise Http404(_("Ce contenu ne peut pas être signalé."))
    try:
        return model._default_manager.get(pk=object_id)
    except (model.DoesNotExist, ValueError, ValidationError):
        raise Http404(_("Ce contenu n'existe pas ou plus."))


@login_required
def flag(request, app_label, model, object_id):
    target = _moderated_or_404(get_object_or_404(ContentType, app_label=app_label, model=model), object_id)
    form = FlagForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            check_rate(request, "write")
            moderation.flag_create(
                reporter=request.user,
                target=target,
                reason=form.cleaned_data["reason"],
                comment=form.cleaned_data["comment"],
            )
        except (ValidationError, RateLimited) as exc:
            form.add_error(None, getattr(exc, "messages", [str(exc)]))
        else:
            messages.success(request, _("Merci : l'équipe de modération va examiner ce contenu."))
            return redirect(
                _safe_next(
                    request, target.get_absolute_url() if hasattr(target, "get_absolute_url") else "core:home"
                )
            )
    return render(
        request, "core/flag.html", {"form": form, "target": target, "next": request.GET.get("next", "")}
    )


@login_required
def contest(request, ct_id, object_id):
    """The author of hidden content asks the moderators to look again."""
    target = _moderated_or_404(get_object_or_404(ContentType, pk=ct_id), object_id)
    form = ContestForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            check_rate(request, "write")
            moderation.content_contest(
                author=request.user, target=target, comment=form.cleaned_data["comment"]
            )
        except (ValidationError, RateLimited) as exc:
            form.add_error(None, getattr(exc, "messages", [str(exc)]))
        else:
            messages.success(request, _("Votre contestation est transmise à l'équipe de modération."))
            return redirect("core:notifications")
    return render(request, "core/contest.html", {"form": form, "target": target})


@login_required
def moderation_queue(request):
    permissions.ensure_space(request.user, "moderation")
    return render(
        request, "core/moderation.html", {"items": moderation.moderation_queue(), "hide_form": HideForm()}
    )


@login_required
@require_POST
def moderation_decide(request, ct_id, object_id):
    check_rate(request, "write")
    target = _moderated_or_404(get_object_or_404(ContentType, pk=ct_id), object_id)
    if request.POST.get("decision") == "hide":
        form = HideForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Indiquez le motif public du masquage."))
            return redirect("core:moderation")
        moderation.content_hide(moderator=request.user, target=target, reason=form.cleaned_data["reason"])
        messages.success(request, _("Contenu masqué."))
    elif request.POST.get("decision") == "unhide":
        moderation.content_unhide(moderator=request.user, target=target)
        messages.success(request, _("Contenu rétabli."))
    else:
        moderation.flags_dismiss(moderator=request.user, target=target)
        messages.success(request, _("Signalements classés : le contenu reste visible."))
    return redirect("core:moderation")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view, rate limited like the sign-up: each request sends an e-mail."""

    template_name = "core/password_reset.html"
    email_template_name = "core/password_reset_email.txt"
    subject_template_name = "core/password_reset_subject.txt"
    success_url = reverse_lazy("core:password_reset_done")

    def post(self, request, *args, **kwargs):
        check_rate(request, "signup")
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "core/password_reset_confirm.html"
    success_url = reverse_lazy("core:login")

    def post(self, request, *args, **kwargs):
        check_rate(request, "write")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        accounts.login_throttles_clear(form.user)  # a new password ends every wait, as the message promises
        return response


def demo_mailbox(request):
    """The demo's mailbox, for every visitor: a new account reads its own confirmation link here.

    Served only by an installation made by ``parvis demo`` (settings.PARVIS_IS_DEMO); anywhere else 404.
    """
    if not settings.PARVIS_IS_DEMO:
        raise Http404
    recipient = request.GET.get("a", "").strip()[:254]
    return render(
        request,
        "core/demo_mailbox.html",
        {"mail": demo_mailbox_messages(to=recipient), "recipient": recipient},
    )
