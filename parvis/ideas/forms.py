"""Forms of the ideas pages: they only shape input; the rules are in services and permissions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from parvis.core.collation import in_french_order
from parvis.core.models import Territory, TerritoryLevel

from .models import AnswerStatus, AuthorKind, ScopeKind, Theme, Vote
from .permissions import proposes_for_others


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); each is checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class IdeaForm(forms.Form):
    title = forms.CharField(
        label=_("Titre de l'idée"), max_length=140, help_text=_("En une phrase : ce que vous proposez.")
    )
    body = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Expliquez l'idée, le lieu, à qui elle servirait. Au moins 20 caractères."),
    )
    theme = forms.ChoiceField(label=_("Thème"), choices=Theme.choices, initial=Theme.OTHER)
    tags = forms.CharField(
        label=_("Mots-clés"),
        required=False,
        max_length=250,
        help_text=_("Séparés par des virgules, 5 au plus (par exemple : vélo, école)."),
    )
    territory = forms.ChoiceField(
        label=_("Quartier ou arrondissement concerné"),
        required=False,
        help_text=_("Sans carte : choisissez le lieu dans la liste."),
    )
    lat = forms.FloatField(
        label=_("Latitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"})
    )
    lon = forms.FloatField(
        label=_("Longitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"})
    )
    photo = MultipleFileField(
        label=_("Photos"),
        required=False,
        help_text=_("3 au plus, JPEG, PNG ou WebP."),
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
    )
    photo_alt = forms.CharField(
        label=_("Ce que montrent les photos"),
        required=False,
        max_length=200,
        help_text=_("Une phrase pour les personnes qui ne voient pas les images."),
    )
    attachment = MultipleFileField(
        label=_("Documents PDF"),
        required=False,
        help_text=_("3 au plus, 5 Mo chacun."),
        widget=MultipleFileInput(attrs={"accept": "application/pdf"}),
    )
    author_kind = forms.ChoiceField(
        label=_("Qui dépose cette idée ?"),
        choices=AuthorKind.choices,
        initial=AuthorKind.PERSON,
        widget=forms.RadioSelect,
    )
    group_name = forms.CharField(
        label=_("Nom du collectif ou de l'association"), required=False, max_length=120
    )
    assisted_for = forms.CharField(
        label=_("Prénom de la personne accompagnée"),
        required=False,
        max_length=80,
        help_text=_("Seulement le prénom : il sera affiché avec l'idée."),
    )
    assisted_consent = forms.BooleanField(
        label=_("La personne a donné son accord pour que je dépose son idée en son nom."), required=False
    )

    def __init__(self, *args, consultation, user, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.consultation = consultation
        choices = [("", "—")]
        for t in territory_choices(consultation):
            choices.append((t.code, t.name))
        self.fields["territory"].choices = choices
        if not consultation.map_enabled:
            for name in ("lat", "lon"):
                del self.fields[name]
        assisted = proposes_for_others(user)
        kinds = [(k, label) for k, label in AuthorKind.choices if k != AuthorKind.ASSISTED or assisted]
        self.fields["author_kind"].choices = kinds
        if not assisted:
            del self.fields["assisted_for"]
            del self.fields["assisted_consent"]
        if editing:
            for name in (
                "photo",
                "attachment",
                "author_kind",
                "group_name",
                "assisted_for",
                "assisted_consent",
            ):
                self.fields.pop(name, None)

    def clean_tags(self):
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]

    def clean_territory(self):
        code = self.cleaned_data["territory"]
        if not code:
            return None
        return next((t for t in territory_choices(self.consultation) if t.code == code), None)


def territory_choices(consultation) -> list[Territory]:
    if consultation.scope_kind == ScopeKind.TERRITORIES:
        chosen = list(consultation.territories.all())
        children = list(Territory.objects.filter(parent__in=chosen, level=TerritoryLevel.NEIGHBOURHOOD))
        return chosen + in_french_order(children)
    return list(
        Territory.objects.filter(level__in=[TerritoryLevel.DISTRICT, TerritoryLevel.NEIGHBOURHOOD]).order_by(
            "level", "code"
        )
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Votre commentaire"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Décision de la ville"), choices=AnswerStatus.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Réponse"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Elle sera publiée en tête de l'idée et envoyée à son auteur·rice et aux "
            "personnes qui la suivent."
        ),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Motif du refus (envoyé à l'auteur·rice)"), max_length=500)


class StatementForm(forms.Form):
    text = forms.CharField(
        label=_("Votre affirmation"),
        max_length=280,
        help_text=_("Une phrase courte, sur laquelle on peut être d'accord ou non."),
    )


class VoteForm(forms.Form):
    value = forms.TypedChoiceField(coerce=int, choices=Vote.choices)
