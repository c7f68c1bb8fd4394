"""Forms of the reports pages. They shape input; the rules live in services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from parvis.core import attachments
from parvis.core.models import Territory, TerritoryLevel
from parvis.core.territories import in_code_order

from .models import Question, QuestionKind, Status


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files; each is checked by ``process_image`` in the service (one bad file, none kept)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def question_field(q: Question) -> forms.Field:
    common = {"label": q.label, "required": q.required, "help_text": q.help_text}
    if q.kind == QuestionKind.NUMBER:
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if q.kind == QuestionKind.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if q.kind == QuestionKind.CHOICE:
        return forms.ChoiceField(choices=q.choice_pairs, widget=forms.RadioSelect, **common)
    if q.kind == QuestionKind.MULTIPLE:
        return forms.MultipleChoiceField(
            choices=q.choice_pairs, widget=forms.CheckboxSelectMultiple, **common
        )
    return forms.CharField(max_length=500, **common)


def neighbourhood_choices():
    choices = [("", _("— Choisir un quartier —"))]
    districts = Territory.objects.filter(level=TerritoryLevel.DISTRICT)
    neighbourhoods = in_code_order(Territory.objects.filter(level=TerritoryLevel.NEIGHBOURHOOD))
    for d in in_code_order(districts):
        children = [(n.code, n.name) for n in neighbourhoods if n.parent_id == d.pk]
        choices.append(
            (d.name, [(d.code, _("%(name)s (tout l'arrondissement)") % {"name": d.name}), *children])
        )
    return choices


class ReportForm(forms.Form):
    """Where, what, photos; the category's questions are added as ``q_<code>`` fields."""

    lat = forms.CharField(
        required=False,
        label=_("Latitude"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    lon = forms.CharField(
        required=False,
        label=_("Longitude"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    address = forms.CharField(
        required=False,
        max_length=255,
        label=_("Adresse"),
        help_text=_(
            "Numéro, rue et code postal, par exemple « 12 rue Oberkampf 75011 ». "
            "Ajoutez un repère si besoin (devant la boulangerie…)."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    territory = forms.ChoiceField(
        required=False, label=_("Quartier"), help_text=_("Si vous ne connaissez pas le code postal.")
    )
    description = forms.CharField(
        required=False,
        label=_("Description"),
        max_length=4000,
        help_text=_("Ce que vous voyez, en quelques mots (4 000 caractères au plus)."),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 4000}),
    )
    photos = MultipleFileField(
        required=False,
        label=_("Photos (3 au plus)"),
        help_text=_(
            "Une vue de près et une vue d'ensemble. Les informations de "
            "localisation contenues dans la photo sont supprimées."
        ),
    )
    photo_alt = forms.CharField(
        required=False,
        max_length=attachments.ALT_MAX,
        label=_("Ce que montrent les photos"),
        help_text=_(
            "Obligatoire avec une photo : quelques mots pour les personnes qui ne voient pas l'image "
            "(par exemple « trottoir défoncé devant le n° 12 »)."
        ),
    )
    email = forms.EmailField(
        required=False,
        label=_("Votre adresse e-mail"),
        help_text=_("Pour confirmer le signalement et suivre son traitement ; elle n'est jamais publiée."),
    )
    name = forms.CharField(required=False, max_length=120, label=_("Votre nom"))
    client_token = forms.CharField(widget=forms.HiddenInput, required=False)
    not_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, questions=(), anonymous=True, on_behalf=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].choices = neighbourhood_choices()
        self.questions = list(questions)
        for q in self.questions:
            self.fields[f"q_{q.code}"] = question_field(q)
        if not anonymous and not on_behalf:
            del self.fields["email"]
            del self.fields["name"]
        elif on_behalf:
            self.fields["email"].label = _("E-mail de la personne (facultatif)")
            self.fields["email"].help_text = _("Elle recevra le suivi du signalement.")
            self.fields["name"].label = _("Nom de la personne (facultatif)")
        else:
            self.fields["email"].required = True

    def clean(self):
        cleaned = super().clean()
        if any(self.files.getlist("photos")) and not (cleaned.get("photo_alt") or "").strip():
            self.add_error("photo_alt", attachments.alt_required_message())
        return cleaned

    def answers(self) -> dict:
        return {
            q.code: self.data.getlist(f"q_{q.code}")
            if q.kind == QuestionKind.MULTIPLE
            else self.data.get(f"q_{q.code}")
            for q in self.questions
        }

    def question_fields(self):
        return [self[f"q_{q.code}"] for q in self.questions]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Nouveau statut"), choices=Status.choices)
    planned_for = forms.DateField(
        required=False, label=_("Date d'intervention prévue"), widget=forms.DateInput(attrs={"type": "date"})
    )
    public_reason = forms.CharField(required=False, max_length=1000, label=_("Motif public du rejet"))
    duplicate_of = forms.IntegerField(required=False, min_value=1, label=_("Doublon du signalement n°"))
    note = forms.CharField(
        required=False, max_length=2000, label=_("Message public"), widget=forms.Textarea(attrs={"rows": 3})
    )
    after_photo = forms.FileField(
        required=False,
        label=_("Photo après intervention"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )


class ProposalForm(forms.Form):
    lat = forms.CharField(label=_("Latitude"))
    lon = forms.CharField(label=_("Longitude"))
    title = forms.CharField(
        max_length=140,
        label=_("Votre proposition"),
        help_text=_("Par exemple « un banc ici », « des arbres le long du mur »."),
    )
    body = forms.CharField(
        required=False, max_length=2000, label=_("Précisions"), widget=forms.Textarea(attrs={"rows": 3})
    )
