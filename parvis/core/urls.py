from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy  # noqa: F401

from . import charter_views, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("territoires/", views.territories_page, name="territories"),
    path("mentions-legales/", views.legal, name="legal"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("compte/connexion/", views.login_view, name="login"),
    path("compte/deconnexion/", views.logout_view, name="logout"),
    path("compte/inscription/", views.signup, name="signup"),
    path("compte/confirmer/<str:token>/", views.confirm_email, name="confirm_email"),
    path("compte/confirmer-a-nouveau/", views.resend_confirmation, name="resend_confirmation"),
    path("compte/", views.account, name="account"),
    path("compte/jetons/", views.token_create, name="token_create"),
    path("compte/jetons/<int:token_id>/revoquer/", views.token_revoke, name="token_revoke"),
    path("compte/export/", views.account_export, name="account_export"),
    path("compte/supprimer/", views.account_delete, name="account_delete"),
    path("compte/notifications/", views.notifications, name="notifications"),
    path(
        "compte/notifications/preferences/", views.notification_preferences, name="notification_preferences"
    ),
    path("compte/mot-de-passe/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "compte/mot-de-passe/envoye/",
        auth_views.PasswordResetDoneView.as_view(template_name="core/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "compte/mot-de-passe/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("signaler/<str:app_label>/<str:model>/<str:object_id>/", views.flag, name="flag"),
    path("demo/courriels/", views.demo_mailbox, name="demo_mailbox"),
    path("charte/", charter_views.charter_page, name="charter"),
    path("charte/accepter/", charter_views.charter_accept, name="charter_accept"),
    path("moderation/", views.moderation_queue, name="moderation"),
    path("moderation/<int:ct_id>/<str:object_id>/", views.moderation_decide, name="moderation_decide"),
    path("moderation/contester/<int:ct_id>/<str:object_id>/", views.contest, name="contest"),
]
