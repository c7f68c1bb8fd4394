"""Accounts, territories, services and the building blocks every module shares."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("Habitant·e")
    MODERATOR = "moderator", _("Modérateur·rice")
    AGENT = "agent", _("Agent de la ville")
    MEDIATOR = "mediator", _("Médiateur·rice")
    ADMIN = "admin", _("Administrateur·rice")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        extra.setdefault("email_confirmed_at", timezone.now())
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """One account across every module; login by e-mail address."""

    email = models.EmailField(_("adresse e-mail"), max_length=254, unique=True)
    display_name = models.CharField(_("nom affiché"), max_length=80, blank=True)
    role = models.CharField(_("rôle"), max_length=16, choices=Role.choices, default=Role.RESIDENT)
    is_active = models.BooleanField(_("actif"), default=True)
    is_staff = models.BooleanField(_("accès à l'administration"), default=False)
    date_joined = models.DateTimeField(_("inscription"), default=timezone.now)
    email_confirmed_at = models.DateTimeField(_("e-mail confirmé le"), null=True, blank=True)
    preferred_language = models.CharField(_("langue"), max_length=8, default="fr", choices=settings.LANGUAGES)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    home_address = models.CharField(_("adresse"), max_length=255, blank=True)
    home_lat = models.FloatField(null=True, blank=True)
    home_lon = models.FloatField(null=True, blank=True)
    home_neighbourhood = models.ForeignKey(
        "core.Territory",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("quartier"),
    )
    home_district = models.ForeignKey(
        "core.Territory",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("arrondissement"),
    )
    blocked_at = models.DateTimeField(_("bloqué le"), null=True, blank=True)
    blocked_reason = models.CharField(_("motif du blocage"), max_length=500, blank=True)
    deleted_at = models.DateTimeField(_("supprimé le"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("compte")
        verbose_name_plural = _("comptes")
        constraints = [models.UniqueConstraint(Lower("email"), name="core_user_email_ci_unique")]

    def __str__(self):
        return self.public_name

    @property
    def public_name(self) -> str:
        if self.deleted_at:
            return str(_("Compte supprimé"))
        return self.display_name or self.email.split("@")[0]

    @property
    def is_moderator(self) -> bool:
        return self.is_active and (self.role in {Role.MODERATOR, Role.ADMIN} or self.is_superuser)

    @property
    def is_agent(self) -> bool:
        return self.is_active and (self.role in {Role.AGENT, Role.ADMIN} or self.is_superuser)

    @property
    def is_mediator(self) -> bool:
        return self.is_active and self.role in {Role.MEDIATOR, Role.ADMIN}

    @property
    def is_city_admin(self) -> bool:
        return self.is_active and (self.role == Role.ADMIN or self.is_superuser)

    @property
    def is_blocked(self) -> bool:
        return self.blocked_at is not None

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None


class TerritoryLevel(models.TextChoices):
    CITY = "city", _("Ville")
    DISTRICT = "district", _("Arrondissement")
    NEIGHBOURHOOD = "neighbourhood", _("Quartier")
    PRIORITY = "priority", _("Quartier prioritaire")


class Territory(models.Model):
    """A district, neighbourhood or priority area (QPV), with its boundary as GeoJSON in WGS84."""

    level = models.CharField(_("niveau"), max_length=16, choices=TerritoryLevel.choices)
    code = models.CharField(_("code"), max_length=64)
    name = models.CharField(_("nom"), max_length=200)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name=_("territoire parent"),
    )
    geometry = models.JSONField(_("contour (GeoJSON)"))
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    approximate = models.BooleanField(
        _("contour approximatif"),
        default=False,
        help_text=_("Contour calculé pour la démonstration, à remplacer par le contour officiel."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("territoire")
        verbose_name_plural = _("territoires")
        ordering = ["level", "code"]
        constraints = [
            models.UniqueConstraint(fields=["level", "code"], name="core_territory_level_code_unique")
        ]

    def __str__(self):
        return self.name


class Service(models.Model):
    """A city service: a group of agents that handles what residents send and answers them."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    email = models.EmailField(_("e-mail du service"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="services", verbose_name=_("agents")
    )

    class Meta:
        verbose_name = _("service de la ville")
        verbose_name_plural = _("services de la ville")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Moderated(models.Model):
    """Mixin for contributions that moderators can hide with a public reason."""

    hidden_at = models.DateTimeField(_("masqué le"), null=True, blank=True)
    hidden_reason = models.CharField(_("motif public du masquage"), max_length=500, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam ou publicité")
    ABUSE = "abuse", _("Propos injurieux, haineux ou discriminatoires")
    PERSONAL_DATA = "personal_data", _("Données personnelles d'un tiers")
    ILLEGAL = "illegal", _("Contenu illégal")
    OFF_TOPIC = "off_topic", _("Hors sujet")
    OTHER = "other", _("Autre")
    #: The author of hidden content asks the moderators to look again (``moderation.content_contest``);
    #: never offered to someone flagging another person's contribution.
    APPEAL = "appeal", _("Contestation du masquage par son auteur·rice")


class Flag(models.Model):
    """A resident's signal that a contribution breaks the charter; one per person and object."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="flags"
    )
    reason = models.CharField(_("motif"), max_length=32, choices=FlagReason.choices)
    comment = models.CharField(_("précisions"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(max_length=16, blank=True)  # "hidden", "kept" or "restored"

    class Meta:
        verbose_name = _("signalement de contenu")
        verbose_name_plural = _("signalements de contenu")
        indexes = [models.Index(fields=["content_type", "object_id"]), models.Index(fields=["resolved_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "reporter"], name="core_flag_one_per_reporter"
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} ({self.content_type_id}:{self.object_id})"


class AuditEntry(models.Model):
    """Who among the staff did what, when, to which object. Never edited, never deleted by the app."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)
    content_type = models.ForeignKey(ContentType, null=True, on_delete=models.SET_NULL)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal des actions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.action} {self.object_repr}"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    #: False when the person wants this kind by e-mail only: kept for the e-mail task, not listed.
    in_site = models.BooleanField(default=True)
    #: ``{"title": [...], "body": [...]}`` as ``core.texts.texts_data``: the texts in the reader's
    #: language. ``title`` and ``body`` keep the French text for rows written without it.
    message = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.title

    @property
    def title_text(self) -> str:
        from .texts import texts_render

        return texts_render(self.message["title"]) if self.message.get("title") else self.title

    @property
    def body_text(self) -> str:
        from .texts import texts_render

        return texts_render(self.message["body"]) if self.message.get("body") else self.body


class NotificationPreference(models.Model):
    """Per kind of notification: whether the user wants it on the site and by e-mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=64)
    in_site = models.BooleanField(default=True)
    by_email = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="core_notifpref_unique")]

    def __str__(self):
        return f"{self.kind}: {self.in_site}/{self.by_email}"


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored, the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("nom"), max_length=100)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class LoginThrottle(models.Model):
    """Failed logins for one address from one client IP, and until when that pair must wait.

    Keyed by (account, IP) rather than by account alone, so that strangers cannot lock someone out
    by failing on purpose; the address is stored as a hash, whether or not an account has it.
    """

    account_key = models.CharField(max_length=64)
    ip = models.CharField(max_length=64)
    failures = models.PositiveIntegerField(default=0)
    blocked_until = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint("account_key", "ip", name="core_loginthrottle_account_ip")]

    def __str__(self):
        return f"{self.account_key[:12]}… {self.ip}"


class RateCounter(models.Model):
    """One fixed window of one rate limit, counted in the database that every worker shares."""

    key = models.CharField(max_length=200, unique=True)
    hits = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.hits}"


class CharterVersion(models.Model):
    """One published text of the participation charter; a new version asks everyone again."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(
        _("texte"), help_text=_("Texte brut : un paragraphe par ligne vide, « ## » pour un intertitre.")
    )
    changes = models.CharField(_("ce qui change"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("publiée le"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("version de la charte")
        verbose_name_plural = _("versions de la charte")
        ordering = ["-number"]

    def __str__(self):
        return f"{self.title} (v{self.number})"


class CharterAcceptance(models.Model):
    """That a person accepted one version, and when: kept as the record of their consent."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="charter_acceptances"
    )
    version = models.ForeignKey(CharterVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("acceptation de la charte")
        verbose_name_plural = _("acceptations de la charte")
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="core_charter_accept_once"),
        ]

    def __str__(self):
        return f"{self.user_id} v{self.version_id}"


class Accuracy(models.TextChoices):
    """How precisely a ``Located`` row knows where it is."""

    NONE = "none", _("Sans lieu")
    POINT = "point", _("Point précis")
    ADDRESS = "address", _("Point approché d'après l'adresse")
    TERRITORY = "territory", _("Tout un territoire")


class Located(models.Model):
    """Anything placed in the city: an idea, a project, a report, an event.

    One shape for every module, filled by one resolver (``parvis.core.places.resolve``): an optional
    point (WGS84), the address as typed, how precise the place is, and the district, neighbourhood and
    priority area it lies in (found from the point, or given by a whole territory). A module whose rows
    always have a point redeclares ``lat`` and ``lon`` without ``null`` (reports do).
    """

    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    accuracy = models.CharField(
        _("précision du lieu"), max_length=16, choices=Accuracy.choices, default=Accuracy.NONE
    )
    district = models.ForeignKey(
        "core.Territory",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("arrondissement"),
    )
    neighbourhood = models.ForeignKey(
        "core.Territory",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("quartier"),
    )
    priority_area = models.ForeignKey(
        "core.Territory",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("quartier prioritaire"),
    )

    #: Relations to name in ``select_related`` wherever ``territory`` is shown in a list.
    PLACE_RELATIONS = ("district", "neighbourhood", "priority_area")

    class Meta:
        abstract = True

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def is_approximate(self) -> bool:
        """The point stands for an address or a territory rather than a spot placed on a map."""
        return self.accuracy in (Accuracy.ADDRESS, Accuracy.TERRITORY)

    @property
    def territory(self):
        """The territory to name beside the contribution: the whole territory that was chosen, else
        the neighbourhood (or the district) around the point."""
        if self.accuracy == Accuracy.TERRITORY and not self.has_point:
            return self.priority_area or self.neighbourhood or self.district
        return self.neighbourhood or self.district


def photo_path(instance, filename: str) -> str:
    """``<app>/photos/<year>/<month>/<file>`` for every module's photos."""
    return timezone.now().strftime(f"{instance._meta.app_label}/photos/%Y/%m/{filename}")


class Photo(models.Model):
    """A picture attached to a contribution, re-encoded by ``core.images`` (no EXIF, size and pixel
    limits), with its alternative text, size and order.

    Abstract: each module declares a small concrete model with a plain foreign key to its owner
    (``IdeaPhoto.idea``, ``ProjectPhoto.project``, ``ReportPhoto.report``, an event's photos), so that a
    new module adds photos without touching core. Rows are built by ``core.attachments``.
    """

    image = models.ImageField(upload_to=photo_path)
    thumbnail = models.ImageField(upload_to=photo_path)
    alt = models.CharField(
        _("texte alternatif"),
        max_length=200,
        blank=True,
        help_text=_("Ce que montre la photo, pour les personnes qui ne la voient pas."),
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self):
        return self.alt or self.image.name
