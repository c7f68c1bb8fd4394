from django import forms
from django.utils.translation import gettext_lazy as _

from parvis.core.models import Accuracy, Territory, TerritoryLevel

from .models import Feasibility, Implementation, OverrideDecision, Theme
from .services import MAX_PHOTOS


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_photo_fields(self, MAX_PHOTOS)

    def photos(self) -> list[tuple]:
        return photos_posted(self)


def add_photo_fields(form, count: int) -> None:
    """``count`` optional photo inputs, each followed by its description (the image's alternative text)."""
    for n in range(1, count + 1):
        form.fields[f"photo_{n}"] = forms.ImageField(
            label=_("Photo n°%(n)s") % {"n": n},
            required=False,
            widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        )
        form.fields[f"photo_{n}_alt"] = forms.CharField(
            label=_("Description de la photo n°%(n)s") % {"n": n},
            required=False,
            max_length=200,
            help_text=_("Ce que montre la photo, pour les personnes qui ne la voient pas."),
        )


def photos_posted(form) -> list[tuple]:
    """The photos sent, as ``(upload, description)`` pairs."""
    d = form.cleaned_data
    return [
        (d[name], d.get(f"{name}_alt", ""))
        for name in sorted(k for k in form.fields if k.startswith("photo_") and not k.endswith("_alt"))
        if d.get(name)
    ]


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
    photo = forms.ImageField(
        label=_("Photo"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )
    photo_alt = forms.CharField(
        label=_("Description de la photo"),
        required=False,
        max_length=200,
        help_text=_("Ce que montre la photo, pour les personnes qui ne la voient pas."),
    )


class EditIdeaForm(forms.Form):
    """Edit an idea: text, place (map point or territory) and photos; built for one project so that
    each of its photos gets a description field and a removal box, and the free slots new inputs."""

    title = forms.CharField(label=_("Titre de l'idée"), max_length=200)
    body = forms.CharField(label=_("Description"), widget=forms.Textarea)
    theme = forms.ChoiceField(label=_("Thème"), choices=[("", "—"), *Theme.choices], required=False)
    estimated_cost = forms.IntegerField(label=_("Coût estimé (€)"), required=False, min_value=0)
    territory = IdeaForm.base_fields["territory"]
    citywide = IdeaForm.base_fields["citywide"]
    lat = IdeaForm.base_fields["lat"]
    lon = IdeaForm.base_fields["lon"]

    def __init__(self, *args, project, **kwargs):
        self.project_photos = list(project.photos.order_by("pk"))
        whole = project.territory if project.accuracy == Accuracy.TERRITORY else None
        kwargs.setdefault(
            "initial",
            {
                "title": project.title,
                "body": project.body,
                "theme": project.theme,
                "estimated_cost": project.estimated_cost,
                "territory": whole.pk if whole else None,
                "citywide": project.envelope.is_citywide and project.lat is None and whole is None,
                "lat": project.lat,
                "lon": project.lon,
            },
        )
        super().__init__(*args, **kwargs)
        for n, photo in enumerate(self.project_photos, start=1):
            self.fields[f"alt_{photo.pk}"] = forms.CharField(
                label=_("Description de la photo n°%(n)s") % {"n": n},
                required=False,
                max_length=200,
                initial=photo.alt,
                help_text=_("Ce que montre la photo, pour les personnes qui ne la voient pas."),
            )
            self.fields[f"remove_{photo.pk}"] = forms.BooleanField(
                label=_("Retirer la photo n°%(n)s") % {"n": n}, required=False
            )
        add_photo_fields(self, max(0, MAX_PHOTOS - len(self.project_photos)))

    def photos(self) -> list[tuple]:
        return photos_posted(self)

    def photo_alts(self) -> dict[int, str]:
        return {p.pk: self.cleaned_data.get(f"alt_{p.pk}", "") for p in self.project_photos}

    def removed_photo_ids(self) -> list[int]:
        return [p.pk for p in self.project_photos if self.cleaned_data.get(f"remove_{p.pk}")]
