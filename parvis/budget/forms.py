from django import forms
from django.utils.translation import gettext_lazy as _

from parvis.core.models import Territory, TerritoryLevel

from .models import Feasibility, Implementation, OverrideDecision, Theme


class IdeaForm(forms.Form):
    title = forms.CharField(label=_("Titre de l'idée"), max_length=200)
    body = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea,
        help_text=_("Ce que vous proposez, pour qui, et pourquoi."),
    )
    theme = forms.ChoiceField(label=_("Thème"), choices=[("", "—"), *Theme.choices], required=False)
    territory = forms.ModelChoiceField(
        label=_("Territoire concerné"),
        required=False,
        queryset=Territory.objects.filter(level__in=[TerritoryLevel.DISTRICT, TerritoryLevel.NEIGHBOURHOOD]),
        help_text=_("Si votre idée concerne tout un arrondissement ou un quartier plutôt qu'un lieu précis."),
    )
    citywide = forms.BooleanField(label=_("Cette idée concerne tout Paris"), required=False)
    lat = forms.FloatField(
        label=_("Latitude"),
        required=False,
        help_text=_("Cliquez sur la carte, ou laissez vide et choisissez un territoire."),
    )
    lon = forms.FloatField(label=_("Longitude"), required=False)
    estimated_cost = forms.IntegerField(label=_("Coût estimé (€)"), required=False, min_value=0)
    association_name = forms.CharField(
        label=_("Au nom d'une association (nom)"), required=False, max_length=200
    )
    photo = forms.ImageField(label=_("Photo"), required=False)


class AssistedIdeaForm(IdeaForm):
    resident_name = forms.CharField(
        label=_("Nom ou prénom de la personne rencontrée"),
        required=False,
        max_length=200,
        help_text=_("Laissez vide si vous déposez votre propre idée."),
    )
    consent = forms.BooleanField(
        label=_("La personne a donné son accord pour que son idée soit publiée en son nom"), required=False
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Votre commentaire"), widget=forms.Textarea(attrs={"rows": 4}), max_length=3000
    )


class ReviewForm(forms.Form):
    feasibility = forms.ChoiceField(
        label=_("Avis"), choices=Feasibility.choices[1:], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Motif public"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Obligatoire si le projet n'est pas faisable ; envoyé à l'auteur."),
    )
    cost = forms.IntegerField(label=_("Coût estimé par le service (€)"), required=False, min_value=0)
    duration_months = forms.IntegerField(label=_("Durée (mois)"), required=False, min_value=1)


class OverrideForm(forms.Form):
    project = forms.IntegerField(label=_("Projet"), widget=forms.Select)
    decision = forms.ChoiceField(label=_("Décision"), choices=OverrideDecision.choices)
    justification = forms.CharField(
        label=_("Justification publique"), widget=forms.Textarea(attrs={"rows": 3})
    )


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(label=_("Avancement"), choices=Implementation.choices[1:])
    body = forms.CharField(label=_("Nouvelles"), widget=forms.Textarea(attrs={"rows": 3}))
    date = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    photo = forms.ImageField(label=_("Photo"), required=False)


class EditIdeaForm(forms.Form):
    title = forms.CharField(label=_("Titre de l'idée"), max_length=200)
    body = forms.CharField(label=_("Description"), widget=forms.Textarea)
    theme = forms.ChoiceField(label=_("Thème"), choices=[("", "—"), *Theme.choices], required=False)
    estimated_cost = forms.IntegerField(label=_("Coût estimé (€)"), required=False, min_value=0)
