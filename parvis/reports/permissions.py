"""Who may do what with reports: the single place that decides."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def service_ids(user) -> set[int]:
    if user is None or not user.is_authenticated:
        return set()
    cached = getattr(user, "_reports_service_ids", None)
    if cached is None:
        cached = set(user.services.values_list("id", flat=True))
        user._reports_service_ids = cached
    return cached


def can_use_back_office(user) -> bool:
    return user is not None and user.is_authenticated and user.is_agent


def can_manage(user, report) -> bool:
    """Agents of the report's service (or of any service when it has none) and city admins."""
    if not can_use_back_office(user):
        return False
    if user.is_city_admin:
        return True
    return report.service_id is None or report.service_id in service_ids(user)


def ensure_can_manage(user, report) -> None:
    if not can_manage(user, report):
        raise PermissionDenied(_("Seuls les agents du service chargé de ce signalement peuvent le traiter."))


def ensure_back_office(user) -> None:
    if not can_use_back_office(user):
        raise PermissionDenied(_("Cet espace est réservé aux agents de la ville."))


def can_see(user, report) -> bool:
    """Public once confirmed and not hidden; its author and the agents see it before."""
    if report.is_public:
        return True
    if user is not None and user.is_authenticated:
        return report.author_id == user.pk or can_manage(user, report) or user.is_moderator
    return False


def ensure_can_participate(user) -> None:
    """Follow, thank, say fixed/not fixed, support, comment: a confirmed, unblocked account."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Connectez-vous pour participer."))
    if user.is_blocked:
        raise PermissionDenied(_("Votre compte est bloqué : vous ne pouvez plus participer."))
    if not user.email_confirmed:
        raise PermissionDenied(_("Confirmez d'abord votre adresse e-mail (lien reçu par e-mail)."))


def can_manage_campaign(user) -> bool:
    return user is not None and user.is_authenticated and (user.is_city_admin or user.is_agent)


def can_configure_categories(user) -> bool:
    """Category settings and routing rules: city administrators only (agents handle, admins configure)."""
    return user is not None and user.is_authenticated and user.is_city_admin


def ensure_can_configure_categories(user) -> None:
    if not can_configure_categories(user):
        raise PermissionDenied(
            _("Seuls les administrateurs de la ville peuvent régler les catégories et l'aiguillage.")
        )
