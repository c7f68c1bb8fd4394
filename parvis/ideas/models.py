"""Consultations, ideas, comments, supports, the city's answers and the opinion map.

Invariants that the database can hold are constraints here; the use cases that change these rows
live in ``services.py`` and the question "who may do what, in which phase" in ``permissions.py``.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parvis.core.models import Located, Moderated, Photo


class Theme(models.TextChoices):
    """The city's themes (fixed list: filters need no query and exports stay comparable)."""

    MOBILITY = "mobility", _("Mobilités et déplacements")
    ENVIRONMENT = "environment", _("Environnement et nature en ville")
    CLEANLINESS = "cleanliness", _("Propreté")
    LIVING = "living", _("Cadre de vie et espace public")
    SOLIDARITY = "solidarity", _("Solidarités")
    CULTURE = "culture", _("Culture et patrimoine")
    SPORT = "sport", _("Sport")
    EDUCATION = "education", _("Éducation et jeunesse")
    HEALTH = "health", _("Santé")
    ECONOMY = "economy", _("Économie et emploi")
    DEMOCRACY = "democracy", _("Vie citoyenne")
    OTHER = "other", _("Autre")


class Phase(models.TextChoices):
    UPCOMING = "upcoming", _("À venir")
    IDEAS = "ideas", _("Dépôt des idées")
    DISCUSSION = "discussion", _("Discussion")
    CLOSED = "closed", _("Terminée")
    ANSWER = "answer", _("Réponse de la ville")


class ScopeKind(models.TextChoices):
    CITY = "city", _("Toute la ville")
    TERRITORIES = "territories", _("Arrondissements ou quartiers")
    PERIMETER = "perimeter", _("Périmètre dessiné")


class Participation(models.TextChoices):
    SIGNED_IN = "signed_in", _("Toute personne inscrite")
    RESIDENTS = "residents", _("Habitant·es du périmètre")


class Status(models.TextChoices):
    """Publication status of a contribution (pre-moderation keeps it pending)."""

    PENDING = "pending", _("En attente de modération")
    PUBLISHED = "published", _("Publiée")
    REJECTED = "rejected", _("Refusée par la modération")


class AuthorKind(models.TextChoices):
    PERSON = "person", _("Une personne")
    GROUP = "group", _("Un collectif ou une association")
    ASSISTED = "assisted", _("Déposée avec l'aide d'un·e médiateur·rice")


class AnswerStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Retenue")
    PARTLY = "partly", _("Retenue en partie")
    REFUSED = "refused", _("Non retenue")
    PLANNED = "planned", _("Déjà prévue")
    BUDGET = "budget", _("Transmise au budget participatif")


#: First path segments of the module's own pages: a consultation cannot take them as its address.
RESERVED_SLUGS = {"moderation", "idee", "commentaire", "affirmation"}


class Consultation(models.Model):
    """A question the city asks residents, with dated phases; the permanent *boîte à idées* has none."""

    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("adresse"), max_length=100, unique=True)
    question = models.CharField(_("question posée"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    theme = models.CharField(_("thème"), max_length=16, choices=Theme.choices, default=Theme.OTHER)
    scope_kind = models.CharField(
        _("périmètre"), max_length=16, choices=ScopeKind.choices, default=ScopeKind.CITY
    )
    territories = models.ManyToManyField(
        "core.Territory", blank=True, related_name="consultations", verbose_name=_("territoires concernés")
    )
    perimeter = models.JSONField(_("périmètre dessiné (GeoJSON)"), null=True, blank=True)
    is_permanent = models.BooleanField(_("boîte à idées permanente"), default=False)
    starts_at = models.DateTimeField(_("ouverture"), default=timezone.now)
    ideas_end_at = models.DateTimeField(_("fin du dépôt des idées"), null=True, blank=True)
    discussion_end_at = models.DateTimeField(_("fin de la discussion"), null=True, blank=True)
    answer_at = models.DateTimeField(_("réponse de la ville prévue le"), null=True, blank=True)
    map_enabled = models.BooleanField(_("idées localisables sur une carte"), default=True)
    premoderation = models.BooleanField(_("modération avant publication"), default=False)
    participation = models.CharField(
        _("qui peut participer"),
        max_length=16,
        choices=Participation.choices,
        default=Participation.SIGNED_IN,
    )
    min_age = models.PositiveSmallIntegerField(_("âge minimum"), null=True, blank=True)
    support_threshold = models.PositiveIntegerField(_("seuil de soutiens"), null=True, blank=True)
    support_window_days = models.PositiveSmallIntegerField(
        _("délai pour atteindre le seuil (jours)"), null=True, blank=True
    )
    opinion_map_enabled = models.BooleanField(_("carte des opinions"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-is_permanent", "-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_permanent=True)
                | Q(ideas_end_at__isnull=False, discussion_end_at__isnull=False, answer_at__isnull=False),
                name="ideas_consultation_dated_unless_permanent",
            ),
            models.CheckConstraint(
                condition=Q(ideas_end_at__isnull=True) | Q(ideas_end_at__gt=F("starts_at")),
                name="ideas_consultation_ideas_after_start",
            ),
            models.CheckConstraint(
                condition=Q(discussion_end_at__isnull=True) | Q(discussion_end_at__gte=F("ideas_end_at")),
                name="ideas_consultation_discussion_after_ideas",
            ),
            models.CheckConstraint(
                condition=Q(answer_at__isnull=True) | Q(answer_at__gte=F("discussion_end_at")),
                name="ideas_consultation_answer_after_discussion",
            ),
            models.CheckConstraint(
                condition=Q(support_threshold__isnull=True, support_window_days__isnull=True)
                | Q(
                    support_threshold__gt=0,
                    support_window_days__gt=0,
                    support_threshold__isnull=False,
                    support_window_days__isnull=False,
                ),
                name="ideas_consultation_threshold_with_window",
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(min_age__lte=120),
                name="ideas_consultation_min_age_range",
            ),
            models.CheckConstraint(
                condition=~Q(scope_kind=ScopeKind.PERIMETER) | Q(perimeter__isnull=False),
                name="ideas_consultation_perimeter_given",
            ),
            models.UniqueConstraint(
                fields=["is_permanent"],
                condition=Q(is_permanent=True),
                name="ideas_consultation_one_permanent_box",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("ideas:consultation", args=[self.slug])

    def clean(self):
        """Checks the admin form runs before saving (the constraints above hold the rest)."""
        from django.core.exceptions import ValidationError
        from shapely.geometry import shape

        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": _("Cette adresse est réservée : choisissez-en une autre.")})
        if self.perimeter is not None:
            try:
                geom = shape(self.perimeter)
            except (KeyError, TypeError, ValueError, AttributeError):
                geom = None
            if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
                raise ValidationError({"perimeter": _("Le périmètre doit être un polygone GeoJSON.")})

    def phase_at(self, now=None) -> str:
        now = now or timezone.now()
        if now < self.starts_at:
            return Phase.UPCOMING
        if self.is_permanent:
            return Phase.IDEAS
        if now < self.ideas_end_at:
            return Phase.IDEAS
        if now < self.discussion_end_at:
            return Phase.DISCUSSION
        if now < self.answer_at:
            return Phase.CLOSED
        return Phase.ANSWER

    @property
    def phase(self) -> str:
        return self.phase_at()

    @property
    def phase_label(self):
        return Phase(self.phase).label

    def residence_area(self):
        """Where one must live to take part (core's ``territory`` eligibility), or None: open to all."""
        from parvis.core.permissions import ResidenceArea

        if self.participation != Participation.RESIDENTS or self.scope_kind == ScopeKind.CITY:
            return None
        if self.scope_kind == ScopeKind.PERIMETER:
            return ResidenceArea(perimeter=self.perimeter)
        return ResidenceArea(territory_ids=frozenset(t.pk for t in self.territories.all()))


class Tag(models.Model):
    name = models.CharField(_("nom"), max_length=40)
    slug = models.SlugField(max_length=50, unique=True)

    class Meta:
        verbose_name = _("mot-clé")
        verbose_name_plural = _("mots-clés")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="ideas_tag_name_ci_unique")]

    def __str__(self):
        return self.name


PUBLIC = Q(status="published", hidden_at__isnull=True)


class Idea(Moderated, Located):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="ideas", verbose_name=_("consultation")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="ideas",
        verbose_name=_("auteur·rice"),
    )
    author_kind = models.CharField(
        _("déposée par"), max_length=16, choices=AuthorKind.choices, default=AuthorKind.PERSON
    )
    group_name = models.CharField(_("nom du collectif"), max_length=120, blank=True)
    assisted_for = models.CharField(_("prénom de la personne accompagnée"), max_length=80, blank=True)
    assisted_consent_at = models.DateTimeField(_("consentement recueilli le"), null=True, blank=True)
    title = models.CharField(_("titre"), max_length=140)
    body = models.TextField(_("description"))
    search_text = models.TextField(editable=False, default="")
    theme = models.CharField(_("thème"), max_length=16, choices=Theme.choices, default=Theme.OTHER)
    tags = models.ManyToManyField(Tag, blank=True, related_name="ideas", verbose_name=_("mots-clés"))
    status = models.CharField(
        _("publication"), max_length=16, choices=Status.choices, default=Status.PUBLISHED
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    support_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    threshold_deadline = models.DateTimeField(_("date limite du seuil"), null=True, blank=True)
    threshold_reached_at = models.DateTimeField(_("seuil atteint le"), null=True, blank=True)
    budget_url = models.CharField(_("lien vers le budget participatif"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("idée")
        verbose_name_plural = _("idées")
        ordering = ["-created_at"]
        # Partial indexes over public ideas only, one per sort order: the list pages and their
        # counts read them without touching the wide rows (decision 0602).
        indexes = [
            models.Index(fields=["consultation", "id"], condition=PUBLIC, name="ideas_idea_pub_id"),
            models.Index(
                fields=["consultation", "-created_at", "-id"], condition=PUBLIC, name="ideas_idea_pub_new"
            ),
            models.Index(
                fields=["consultation", "-support_count", "-created_at", "-id"],
                condition=PUBLIC,
                name="ideas_idea_pub_supp",
            ),
            models.Index(
                fields=["consultation", "-comment_count", "-created_at", "-id"],
                condition=PUBLIC,
                name="ideas_idea_pub_comm",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__isnull=True, lon__isnull=True)
                | Q(
                    lat__isnull=False,
                    lon__isnull=False,
                    lat__gte=-90,
                    lat__lte=90,
                    lon__gte=-180,
                    lon__lte=180,
                ),
                name="ideas_idea_point_complete",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="ideas_idea_title_not_empty"),
            models.CheckConstraint(
                condition=~Q(author_kind=AuthorKind.GROUP) | ~Q(group_name=""), name="ideas_idea_group_named"
            ),
            models.CheckConstraint(
                condition=~Q(author_kind=AuthorKind.ASSISTED) | Q(assisted_consent_at__isnull=False),
                name="ideas_idea_assisted_consent",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.PUBLISHED) | Q(published_at__isnull=False),
                name="ideas_idea_published_dated",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("ideas:idea", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.status == Status.PUBLISHED and not self.is_hidden

    @property
    def byline(self) -> str:
        if self.author_kind == AuthorKind.GROUP:
            return self.group_name
        name = self.author.public_name if self.author else str(_("Compte supprimé"))
        if self.author_kind == AuthorKind.ASSISTED:
            return str(_("%(name)s, avec l'aide de %(mediator)s")) % {
                "name": self.assisted_for or _("une habitante ou un habitant"),
                "mediator": name,
            }
        return name

    @property
    def threshold_open(self) -> bool:
        return self.threshold_deadline is not None and timezone.now() < self.threshold_deadline


class IdeaRevision(models.Model):
    """The text of an idea before each edit (the history residents and moderators can read)."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=140)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.idea_id}: {self.title}"


def _photo_path(instance, filename):
    return f"ideas/{instance.idea_id}/{filename}"


class IdeaPhoto(Photo):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="photos")


class IdeaAttachment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_photo_path)
    name = models.CharField(max_length=120)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class Comment(Moderated):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="idea_comments"
    )
    body = models.TextField(_("commentaire"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(body="") | Q(deleted_at__isnull=False), name="ideas_comment_body_unless_deleted"
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="ideas_comment_not_own_parent"),
        ]

    def __str__(self):
        text = self.body if not self.deleted_at else "—"
        return f"{text[:60]}"

    def get_absolute_url(self):
        return f"{reverse('ideas:idea', args=[self.idea_id])}#commentaire-{self.pk}"

    @property
    def is_public(self) -> bool:
        return self.status == Status.PUBLISHED and not self.is_hidden


class Support(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idea_supports")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "user"], name="ideas_support_one_per_person")]

    def __str__(self):
        return f"{self.user_id} → {self.idea_id}"


class Follow(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idea_follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "user"], name="ideas_follow_once")]

    def __str__(self):
        return f"{self.user_id} → {self.idea_id}"


class Answer(models.Model):
    """The city's official answer to one idea."""

    idea = models.OneToOneField(Idea, on_delete=models.CASCADE, related_name="answer")
    status = models.CharField(_("décision"), max_length=16, choices=AnswerStatus.choices)
    text = models.TextField(_("réponse"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("réponse de la ville")
        verbose_name_plural = _("réponses de la ville")
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="ideas_answer_text_not_empty")]

    def __str__(self):
        return f"{self.get_status_display()}: {self.idea_id}"


class Statement(Moderated):
    """A short statement of the opinion map, on which participants vote agree / disagree / pass."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="statements")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(_("affirmation"), max_length=280)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("affirmation")
        verbose_name_plural = _("affirmations")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="ideas_statement_text_not_empty")]

    def __str__(self):
        return self.text[:80]

    def get_absolute_url(self):
        return reverse("ideas:opinion", args=[self.consultation.slug])


class Vote(models.IntegerChoices):
    AGREE = 1, _("D'accord")
    DISAGREE = -1, _("Pas d'accord")
    PASS = 0, _("Je passe")


class StatementVote(models.Model):
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="statement_votes"
    )
    value = models.SmallIntegerField(choices=Vote.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["statement", "user"], name="ideas_vote_one_per_person"),
            models.CheckConstraint(condition=Q(value__in=[-1, 0, 1]), name="ideas_vote_value_valid"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.value:+d} {self.statement_id}"


class OpinionSnapshot(models.Model):
    """The last computed opinion map of a consultation (groups, consensus, divisive statements)."""

    consultation = models.OneToOneField(
        Consultation, on_delete=models.CASCADE, related_name="opinion_snapshot"
    )
    computed_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict)

    def __str__(self):
        return f"{self.consultation_id} @ {self.computed_at:%Y-%m-%d %H:%M}"
