"""Reports of the public space, their categories and routing, campaigns, and Open311 keys."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parvis.core.models import Accuracy, Located, Moderated, Photo


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Texte")
    NUMBER = "number", _("Nombre")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choix unique")
    MULTIPLE = "multiple", _("Choix multiple")


class Category(models.Model):
    """A node of the category tree (family → type → sub-type); residents pick a leaf."""

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("catégorie parente"),
    )
    code = models.SlugField(
        _("code"),
        max_length=64,
        unique=True,
        help_text=_("Code stable, utilisé par l'API Open311 ; ne le changez pas."),
    )
    name = models.CharField(_("nom"), max_length=150)
    icon = models.CharField(_("icône"), max_length=8, blank=True, help_text=_("Un pictogramme (emoji)."))
    keywords = models.CharField(
        _("mots-clés"),
        max_length=500,
        blank=True,
        help_text=_("Séparés par des virgules ; servent à la recherche."),
    )
    description = models.CharField(_("description"), max_length=500, blank=True)
    service = models.ForeignKey(
        "core.Service",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("service par défaut"),
    )
    target_hours = models.PositiveIntegerField(_("délai cible de traitement (heures)"), default=72)
    resolved_visible_days = models.PositiveIntegerField(
        _("jours de visibilité sur la carte une fois traité"), default=7
    )
    duplicate_radius_m = models.PositiveIntegerField(_("rayon de recherche des doublons (m)"), default=50)
    position = models.PositiveIntegerField(_("ordre"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("catégorie")
        verbose_name_plural = _("catégories")
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="reports_category_not_own_parent"),
            models.CheckConstraint(
                condition=Q(duplicate_radius_m__lte=1000), name="reports_category_duplicate_radius_max"
            ),
            models.CheckConstraint(condition=Q(target_hours__gte=1), name="reports_category_target_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(",") if k.strip()]


class Campaign(models.Model):
    """A time-boxed call for geolocated contributions over a perimeter."""

    class Kind(models.TextChoices):
        INFORMATION = "information", _("Demande d'information")
        CODESIGN = "codesign", _("Co-conception d'un aménagement")

    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    slug = models.SlugField(_("code"), max_length=64, unique=True)
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), max_length=8000)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    perimeter = models.JSONField(
        _("périmètre (GeoJSON)"),
        null=True,
        blank=True,
        help_text=_("Polygone dessiné ; sinon la liste des territoires."),
    )
    territories = models.ManyToManyField(
        "core.Territory", blank=True, related_name="+", verbose_name=_("territoires du périmètre")
    )
    service = models.ForeignKey(
        "core.Service",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("service responsable"),
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("catégorie des contributions"),
        help_text=_("Demande d'information : la catégorie donnée aux contributions."),
    )
    closing_statement = models.TextField(_("bilan de la ville"), blank=True, max_length=8000)
    published = models.BooleanField(_("publiée"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("campagne")
        verbose_name_plural = _("campagnes")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="reports_campaign_dates_order"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["information", "codesign"]), name="reports_campaign_kind"
            ),
            models.CheckConstraint(
                condition=Q(kind="codesign") | Q(category__isnull=False),
                name="reports_campaign_information_has_category",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("reports:campaign", args=[self.slug])

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.published and self.starts_at <= now < self.ends_at


class Question(models.Model):
    """An extra question asked for a category or a campaign (exactly one of the two)."""

    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="questions"
    )
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="questions"
    )
    code = models.SlugField(_("code"), max_length=64)
    label = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("aide"), max_length=300, blank=True)
    kind = models.CharField(_("type de réponse"), max_length=16, choices=QuestionKind.choices)
    required = models.BooleanField(_("obligatoire"), default=False)
    choices = models.JSONField(
        _("choix possibles"),
        default=list,
        blank=True,
        help_text=_("Liste de [code, libellé] pour les choix."),
    )
    position = models.PositiveIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(category__isnull=False, campaign__isnull=True)
                    | Q(category__isnull=True, campaign__isnull=False)
                ),
                name="reports_question_one_owner",
            ),
            models.UniqueConstraint(
                fields=["category", "code"],
                name="reports_question_category_code_unique",
                condition=Q(category__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["campaign", "code"],
                name="reports_question_campaign_code_unique",
                condition=Q(campaign__isnull=False),
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def choice_pairs(self) -> list[tuple[str, str]]:
        return [(str(c[0]), str(c[1])) for c in self.choices or []]


class RoutingRule(models.Model):
    """Which service handles a category in a district or priority area (a blank territory matches all)."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="routing_rules", verbose_name=_("catégorie")
    )
    territory = models.ForeignKey(
        "core.Territory",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("arrondissement ou quartier prioritaire"),
    )
    service = models.ForeignKey(
        "core.Service", on_delete=models.CASCADE, related_name="+", verbose_name=_("service")
    )

    class Meta:
        verbose_name = _("règle d'aiguillage")
        verbose_name_plural = _("règles d'aiguillage")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "territory"],
                name="reports_routing_unique",
                condition=Q(territory__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["category"],
                name="reports_routing_default_unique",
                condition=Q(territory__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.category_id} → {self.service_id} ({self.territory_id or '*'})"


class Status(models.TextChoices):
    NEW = "new", _("Nouveau")
    TO_HANDLE = "to_handle", _("À traiter")
    SCHEDULED = "scheduled", _("Programmé")
    DONE = "done", _("Résolu")
    REJECTED = "rejected", _("Rejeté")
    DUPLICATE = "duplicate", _("Doublon")
    ARCHIVED = "archived", _("Archivé")


OPEN_STATUSES = (Status.NEW, Status.TO_HANDLE, Status.SCHEDULED)
CLOSED_STATUSES = (Status.DONE, Status.REJECTED, Status.DUPLICATE, Status.ARCHIVED)


class Source(models.TextChoices):
    WEB = "web", _("Site")
    AGENT = "agent", _("Agent (sur le terrain)")
    OPEN311 = "open311", _("Open311")
    API = "api", _("API")


class Report(Moderated, Located):
    """An anomaly of the public space reported at a point; public once confirmed."""

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="reports", verbose_name=_("catégorie")
    )
    service = models.ForeignKey(
        "core.Service",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("service"),
    )
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default=Status.NEW)
    # A report always has a point (the representative point of a territory when only that is known).
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    accuracy = models.CharField(
        _("précision du lieu"), max_length=16, choices=Accuracy.choices, default=Accuracy.POINT
    )
    description = models.TextField(_("description"), max_length=4000, blank=True)
    answers = models.JSONField(_("réponses"), default=dict, blank=True)
    media_url = models.URLField(_("lien vers une photo externe"), max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    author_email = models.EmailField(blank=True)
    author_name = models.CharField(max_length=120, blank=True)
    author_phone = models.CharField(max_length=40, blank=True)
    author_updates = models.BooleanField(
        default=True, help_text="An anonymous author still wants the e-mail updates (unsubscribe link)."
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    client_token = models.CharField(max_length=64, null=True, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.WEB)
    open311_key = models.ForeignKey(
        "reports.Open311Key", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_reports",
        verbose_name=_("agent"),
    )
    planned_for = models.DateField(_("date prévue"), null=True, blank=True)
    public_reason = models.CharField(_("motif public"), max_length=1000, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        verbose_name=_("doublon de"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        ordering = ["-created_at", "-id"]
        indexes = [
            # Duplicate lookup: same category, open, within a bounding box of lat/lon.
            models.Index(
                fields=["category", "lat", "lon"],
                name="reports_open_cat_latlon",
                condition=Q(status__in=["new", "to_handle", "scheduled"]),
            ),
            # Map and Open311 lists: by box and by date.
            models.Index(fields=["lat", "lon"], name="reports_latlon"),
            # The public map shows open reports and recently resolved ones: one index for each, holding
            # every column the map reads and filters on, so that PostgreSQL answers from the index alone.
            models.Index(
                fields=["lat", "lon", "category", "district", "created_at", "id"],
                name="reports_map_open",
                condition=Q(
                    status__in=["new", "to_handle", "scheduled"],
                    confirmed_at__isnull=False,
                    hidden_at__isnull=True,
                ),
            ),
            models.Index(
                fields=["closed_at", "lat", "lon", "category", "district", "created_at", "id"],
                name="reports_recent_done",
                condition=Q(status="done", confirmed_at__isnull=False, hidden_at__isnull=True),
            ),
            models.Index(fields=["created_at", "id"], name="reports_created"),
            # Open311 and the API page through public requests newest first; status and category ride
            # along so that a page's ids come from the index alone (decision 0172).
            models.Index(
                fields=["created_at", "id", "status", "category"],
                name="reports_public_created",
                condition=Q(confirmed_at__isnull=False, hidden_at__isnull=True),
            ),
            # The map filtered by one status: the status first, then the box, with what the map reads.
            models.Index(
                fields=["status", "lat", "lon", "category", "district", "created_at", "id", "closed_at"],
                name="reports_map_status",
                condition=Q(confirmed_at__isnull=False, hidden_at__isnull=True),
            ),
            models.Index(fields=["updated_at", "id"], name="reports_updated"),
            models.Index(fields=["service", "status", "created_at"], name="reports_queue"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["client_token"],
                name="reports_client_token_unique",
                condition=Q(client_token__isnull=False),
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]), name="reports_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
                name="reports_latlon_range",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="duplicate", duplicate_of__isnull=False)
                    | (~Q(status="duplicate") & Q(duplicate_of__isnull=True))
                ),
                name="reports_duplicate_has_original",
            ),
            models.CheckConstraint(
                condition=~Q(duplicate_of=F("id")), name="reports_not_duplicate_of_itself"
            ),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(planned_for__isnull=False),
                name="reports_scheduled_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(public_reason=""), name="reports_rejected_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(author__isnull=False) | ~Q(author_email="") | Q(source="open311"),
                name="reports_has_author_or_email",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.category.name}" if self.category_id else f"#{self.pk}"

    def get_absolute_url(self):
        return reverse("reports:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_public(self) -> bool:
        return self.confirmed_at is not None and not self.is_hidden

    @property
    def due_at(self):
        from datetime import timedelta

        return self.created_at + timedelta(hours=self.category.target_hours)

    @property
    def is_overdue(self) -> bool:
        return self.is_open and timezone.now() > self.due_at


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("Photo du signalement")
    AFTER = "after", _("Photo après intervention")


class ReportPhoto(Photo):
    """At most three resident photos (positions 0–2) and one "after" photo (position 3) per report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=8, choices=PhotoKind.choices, default=PhotoKind.BEFORE)

    class Meta(Photo.Meta):
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="reports_photo_position_unique"),
            models.CheckConstraint(
                condition=Q(kind="before", position__lte=2) | Q(kind="after", position=3),
                name="reports_photo_position_range",
            ),
        ]


class EventKind(models.TextChoices):
    CREATED = "created", _("Signalement créé")
    STATUS = "status", _("Changement de statut")
    REROUTED = "rerouted", _("Réaffecté")
    ASSIGNED = "assigned", _("Pris en charge")
    COMMENT = "comment", _("Message de la ville")
    THANKS = "thanks", _("Remerciement")
    FIXED = "fixed", _("Déclaré résolu par un habitant")
    NOT_FIXED = "not_fixed", _("Déclaré non résolu par un habitant")
    MERGED = "merged", _("Doublon rattaché")


class ReportEvent(models.Model):
    """One dated entry of a report's public timeline (also the Open311 service request updates)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    status = models.CharField(
        max_length=16, choices=Status.choices, blank=True, help_text="Status after the event."
    )
    note = models.TextField(max_length=2000, blank=True)
    #: What the system wrote (``core.texts.texts_data``), shown in the reader's language before the note.
    message = models.JSONField(default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_is_staff = models.BooleanField(default=False)
    public = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["created_at", "id"], name="reports_event_created")]

    def __str__(self):
        return f"{self.report_id} {self.kind} {self.created_at:%Y-%m-%d}"

    @property
    def text(self) -> str:
        """The system's texts in the reader's language, then the note people typed."""
        from parvis.core.texts import texts_render

        return "\n".join(filter(None, [texts_render(self.message), self.note]))


class Follow(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="reports_follow_unique")]

    def __str__(self):
        return f"{self.user_id} → {self.report_id}"


class Thanks(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="thanks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="reports_thanks_unique")]

    def __str__(self):
        return f"{self.user_id} → {self.report_id}"


class Contribution(Moderated):
    """A proposal placed on a co-design campaign's map ("a bench here")."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="contributions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("proposition"), max_length=140)
    body = models.TextField(_("précisions"), max_length=2000, blank=True)
    lat = models.FloatField()
    lon = models.FloatField()
    neighbourhood = models.ForeignKey(
        "core.Territory", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    support_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-support_count", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
                name="reports_contribution_latlon_range",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("reports:campaign", args=[self.campaign.slug]) + f"#proposition-{self.pk}"


class Support(models.Model):
    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contribution", "user"], name="reports_support_unique")
        ]

    def __str__(self):
        return f"{self.user_id} → {self.contribution_id}"


class Comment(Moderated):
    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("commentaire"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return self.body[:60]

    def get_absolute_url(self):
        return self.contribution.get_absolute_url()


class Open311Key(models.Model):
    """An API key for an Open311 client, issued by an administrator; only its hash is kept."""

    name = models.CharField(_("nom"), max_length=100, unique=True)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("clé Open311")
        verbose_name_plural = _("clés Open311")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
