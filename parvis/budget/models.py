"""Participatory budget: a yearly campaign, its envelopes, the ideas that become projects, ballots, results.

Ideas and projects are one model (``Project``) at different stages, as CONSUL's "investments":
an idea submitted in winter is reviewed, may be merged into another or split, and if found feasible
goes on the ballot of its envelope (see docs/decisions/0400-budget-one-model-for-ideas-and-projects.md).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from parvis.core.models import Located, Moderated, Photo


class PhaseKind(models.TextChoices):
    IDEAS = "ideas", _("Dépôt des idées")
    COCONSTRUCTION = "coconstruction", _("Co-construction")
    REVIEW = "review", _("Étude de faisabilité")
    VOTE = "vote", _("Vote")
    RESULTS = "results", _("Résultats")
    FOLLOWUP = "followup", _("Suivi des projets")


PHASE_ORDER = [k.value for k in PhaseKind]


class Rule(models.TextChoices):
    GREEDY = "greedy", _("Les plus votés dans la limite de l'enveloppe")
    MES = "mes", _("Méthode des parts égales")
    MJ = "mj", _("Jugement majoritaire")


class BallotStyle(models.TextChoices):
    APPROVAL = "approval", _("Choix de projets (jusqu'à N)")
    KNAPSACK = "knapsack", _("Panier de projets dans la limite du budget")
    GRADES = "grades", _("Mentions (jugement majoritaire)")


class Grade(models.IntegerChoices):
    """The four mentions of Paris's ballot since 2021; an ungraded project counts as the lowest."""

    NOT_CONVINCED = 1, _("Pas convaincu·e")
    WHY_NOT = 2, _("Pourquoi pas")
    GOOD = 3, _("Bien")
    FAVOURITE = 4, _("Coup de cœur")


class Campaign(models.Model):
    """One yearly campaign (e.g. “Budget participatif 2027”), with its phases, envelopes and rules."""

    slug = models.SlugField(_("identifiant"), max_length=64, unique=True)
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("présentation"), blank=True)
    rule = models.CharField(
        _("règle de dépouillement"), max_length=16, choices=Rule.choices, default=Rule.GREEDY
    )
    allow_ballot_change = models.BooleanField(_("le vote peut être modifié jusqu'à la clôture"), default=True)
    eligibility_checks = models.JSONField(
        _("conditions pour voter"),
        default=list,
        blank=True,
        help_text=_("Noms des vérifications : resident (habite la ville), min_age (âge minimum)."),
    )
    min_age = models.PositiveSmallIntegerField(_("âge minimum pour voter"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("campagne")
        verbose_name_plural = _("campagnes")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("budget:campaign", args=[self.slug])


class Phase(models.Model):
    """A dated phase of a campaign; the follow-up phase may have no end."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("phase"), max_length=16, choices=PhaseKind.choices)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"), null=True, blank=True)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind"], name="budget_phase_one_per_kind"),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="budget_phase_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.campaign} — {self.get_kind_display()}"

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.starts_at <= now and (self.ends_at is None or now < self.ends_at)


class Envelope(models.Model):
    """A budget: city-wide (no territory) or one district's, with a share reserved for priority areas."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="envelopes")
    slug = models.SlugField(_("identifiant"), max_length=64)
    name = models.CharField(_("nom"), max_length=200)
    territory = models.ForeignKey(
        "core.Territory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("arrondissement"),
    )
    amount = models.PositiveBigIntegerField(_("montant (€)"))
    reserved_amount = models.PositiveBigIntegerField(
        _("montant réservé aux quartiers prioritaires (€)"), default=0
    )
    ballot_style = models.CharField(
        _("type de bulletin"), max_length=16, choices=BallotStyle.choices, default=BallotStyle.KNAPSACK
    )
    max_choices = models.PositiveSmallIntegerField(_("nombre maximum de projets"), null=True, blank=True)
    min_choices = models.PositiveSmallIntegerField(_("nombre minimum de projets"), default=0)
    min_spend_percent = models.PositiveSmallIntegerField(
        _("part minimale de l'enveloppe à dépenser (%)"), default=0
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("enveloppe")
        verbose_name_plural = _("enveloppes")
        ordering = ["campaign", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "slug"], name="budget_envelope_slug_unique"),
            models.UniqueConstraint(
                fields=["campaign", "territory"], name="budget_envelope_one_per_district"
            ),
            models.UniqueConstraint(
                fields=["campaign"], condition=Q(territory__isnull=True), name="budget_envelope_one_citywide"
            ),
            models.CheckConstraint(
                condition=Q(reserved_amount__lte=models.F("amount")),
                name="budget_envelope_reserved_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(min_spend_percent__lte=100), name="budget_envelope_min_spend_pct"
            ),
            models.CheckConstraint(
                condition=Q(max_choices__isnull=True) | Q(max_choices__gte=models.F("min_choices")),
                name="budget_envelope_min_le_max_choices",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.campaign})"

    def get_absolute_url(self):
        return reverse("budget:ballot", args=[self.campaign.slug, self.slug])

    @property
    def ballot_style_label(self) -> str:
        """The ballot style as voters read it, with this envelope's numbers ("jusqu'à 5")."""
        if self.ballot_style == BallotStyle.APPROVAL:
            if self.max_choices:
                return ngettext(
                    "Choix d'un projet", "Choix de projets (jusqu'à %(n)d)", self.max_choices
                ) % {"n": self.max_choices}
            return gettext("Choix de projets")
        return str(self.get_ballot_style_display())

    @property
    def is_citywide(self) -> bool:
        return self.territory_id is None


class Theme(models.TextChoices):
    ENVIRONMENT = "environment", _("Environnement et nature en ville")
    MOBILITY = "mobility", _("Mobilités")
    SOLIDARITY = "solidarity", _("Solidarité et cohésion sociale")
    EDUCATION = "education", _("Éducation et jeunesse")
    CULTURE = "culture", _("Culture et patrimoine")
    SPORT = "sport", _("Sport")
    PUBLIC_SPACE = "public_space", _("Cadre de vie et espace public")
    HEALTH = "health", _("Santé")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Idée déposée")
    MERGED = "merged", _("Fusionnée dans un autre projet")
    SPLIT = "split", _("Scindée en plusieurs projets")
    FEASIBLE = "feasible", _("Faisable")
    UNFEASIBLE = "unfeasible", _("Non faisable")
    WITHDRAWN = "withdrawn", _("Retirée par son auteur")


class Feasibility(models.TextChoices):
    PENDING = "pending", _("À étudier")
    FEASIBLE = "feasible", _("Faisable")
    UNFEASIBLE = "unfeasible", _("Non faisable")
    TO_MERGE = "to_merge", _("À fusionner")


class Implementation(models.TextChoices):
    NONE = "", _("—")
    STUDIES = "studies", _("Études")
    WORKS = "works", _("Travaux")
    DELIVERED = "delivered", _("Livré")


class Project(Moderated, Located):
    """An idea, then (once reviewed feasible) a project on the ballot of its envelope."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="projects")
    envelope = models.ForeignKey(
        Envelope, on_delete=models.PROTECT, related_name="projects", verbose_name=_("enveloppe")
    )
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("description"))
    theme = models.CharField(_("thème"), max_length=32, choices=Theme.choices, blank=True)
    estimated_cost = models.PositiveBigIntegerField(_("coût estimé par l'auteur (€)"), null=True, blank=True)
    cost = models.PositiveBigIntegerField(_("coût retenu (€)"), null=True, blank=True)
    duration_months = models.PositiveSmallIntegerField(_("durée des travaux (mois)"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="budget_projects"
    )
    association_name = models.CharField(_("au nom de l'association"), max_length=200, blank=True)
    assisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="budget_assisted_projects",
    )
    resident_name = models.CharField(_("nom de la personne rencontrée"), max_length=200, blank=True)
    consent_recorded_at = models.DateTimeField(_("consentement recueilli le"), null=True, blank=True)
    source_url = models.CharField(_("idée d'origine"), max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_sources"
    )
    split_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="split_parts"
    )
    service = models.ForeignKey(
        "core.Service",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="budget_projects",
        verbose_name=_("service chargé de l'étude"),
    )
    feasibility = models.CharField(max_length=16, choices=Feasibility.choices, default=Feasibility.PENDING)
    review_reason = models.TextField(_("motif public"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_published_at = models.DateTimeField(null=True, blank=True)
    implementation = models.CharField(
        _("avancement"), max_length=16, choices=Implementation.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("projet")
        verbose_name_plural = _("projets")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["campaign", "status"]), models.Index(fields=["envelope", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(assisted_by__isnull=True) | Q(consent_recorded_at__isnull=False),
                name="budget_project_assisted_needs_consent",
            ),
            models.CheckConstraint(
                condition=~Q(feasibility="unfeasible") | ~Q(review_reason=""),
                name="budget_project_unfeasible_needs_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="merged", merged_into__isnull=False)
                | (~Q(status="merged") & Q(merged_into__isnull=True)),
                name="budget_project_merged_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(status="feasible") | Q(cost__isnull=False),
                name="budget_project_feasible_has_cost",
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=True, lon__isnull=True) | Q(lat__isnull=False, lon__isnull=False),
                name="budget_project_lat_lon_together",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("budget:project", args=[self.campaign.slug, self.pk])

    @property
    def assisted(self) -> bool:
        return self.assisted_by_id is not None

    @property
    def in_priority_area(self) -> bool:
        return self.priority_area_id is not None

    @property
    def on_ballot(self) -> bool:
        return self.status == Status.FEASIBLE and self.review_published_at is not None and not self.is_hidden


class ProjectPhoto(Photo):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="photos")


class Comment(Moderated):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("commentaire"), max_length=3000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")
        ordering = ["created_at"]

    def __str__(self):
        return self.body[:60]

    def get_absolute_url(self):
        return self.project.get_absolute_url() + f"#commentaire-{self.pk}"


class Support(models.Model):
    """A resident's support for an idea during co-construction (one per person and idea)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="budget_supports"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="budget_support_once")]

    def __str__(self):
        return f"{self.user} → {self.project}"


class DistrictChoice(models.Model):
    """The voter's *arrondissement de cœur*: chosen once per campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="district_choices")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    envelope = models.ForeignKey(Envelope, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "voter"], name="budget_one_district_per_voter")
        ]

    def __str__(self):
        return f"{self.voter} → {self.envelope}"


class Ballot(models.Model):
    """One voter's online ballot in one envelope.

    ``choices`` is a list of project ids (approval, knapsack) or ``{project_id: grade}`` (grades),
    validated by the service; see docs/decisions/0401-budget-ballot-storage.md.
    """

    envelope = models.ForeignKey(Envelope, on_delete=models.PROTECT, related_name="ballots")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    choices = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["envelope", "voter"], name="budget_one_ballot_per_voter")
        ]

    def __str__(self):
        return f"#{self.pk} ({self.envelope})"


class PaperMode(models.TextChoices):
    COUNTS = "counts", _("Nombre de voix par projet")
    GRADE_COUNTS = "grade_counts", _("Nombre de chaque mention par projet")
    BALLOTS = "ballots", _("Bulletins complets")


class PaperBatch(models.Model):
    """Ballot-box results of one polling place, typed twice by two agents; counted only when both agree."""

    envelope = models.ForeignKey(Envelope, on_delete=models.PROTECT, related_name="paper_batches")
    polling_place = models.CharField(_("bureau de vote"), max_length=200)
    mode = models.CharField(_("saisie"), max_length=16, choices=PaperMode.choices, default=PaperMode.COUNTS)
    accepted_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lot de bulletins papier")
        verbose_name_plural = _("lots de bulletins papier")
        constraints = [
            models.UniqueConstraint(
                fields=["envelope", "polling_place"], name="budget_paper_one_batch_per_place"
            )
        ]

    def __str__(self):
        return f"{self.polling_place} — {self.envelope.name}"


class PaperEntry(models.Model):
    batch = models.ForeignKey(PaperBatch, on_delete=models.CASCADE, related_name="entries")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "agent"], name="budget_paper_entry_per_agent")
        ]

    def __str__(self):
        return f"{self.batch} — {self.agent}"


class OverrideDecision(models.TextChoices):
    EXCLUDE = "exclude", _("Écarté malgré le vote")
    FUND = "fund", _("Financé hors classement")


class Override(models.Model):
    """An administrator's justified departure from the computed outcome, shown publicly."""

    envelope = models.ForeignKey(Envelope, on_delete=models.CASCADE, related_name="overrides")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="overrides")
    decision = models.CharField(_("décision"), max_length=16, choices=OverrideDecision.choices)
    justification = models.TextField(_("justification publique"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["envelope", "project"], name="budget_override_once"),
            models.CheckConstraint(condition=~Q(justification=""), name="budget_override_justified"),
        ]

    def __str__(self):
        return f"{self.project}: {self.get_decision_display()}"


class Result(models.Model):
    """The computed outcome of one envelope (a snapshot, so the results page never recomputes)."""

    envelope = models.OneToOneField(Envelope, on_delete=models.CASCADE, related_name="result")
    computed_at = models.DateTimeField(default=timezone.now)
    online_ballots = models.PositiveIntegerField(default=0)
    paper_ballots = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict)
    funded = models.ManyToManyField(Project, blank=True, related_name="+")

    def __str__(self):
        return f"{self.envelope}"


class FollowUpUpdate(models.Model):
    """A dated update on a winning project's implementation, with an optional photo and its description
    (the image's alternative text)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(_("avancement"), max_length=16, choices=Implementation.choices[1:])
    body = models.TextField(_("nouvelles"))
    photo = models.ImageField(upload_to="budget/followup/%Y/%m/", blank=True)
    photo_alt = models.CharField(_("description de la photo"), max_length=200, blank=True)
    date = models.DateField(_("date"), default=timezone.localdate)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-created_at"]

    def __str__(self):
        return f"{self.project} — {self.date}"
