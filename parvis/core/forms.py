from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import FlagReason


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Mot de passe"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class SignupForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    display_name = forms.CharField(
        label=_("Nom affiché"),
        max_length=80,
        required=False,
        help_text=_("Visible à côté de vos contributions. Un pseudonyme convient."),
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        help_text=_("Au moins 10 caractères."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Nom affiché"), max_length=80, required=False)
    preferred_language = forms.ChoiceField(label=_("Langue"), choices=settings.LANGUAGES)
    home_address = forms.CharField(
        label=_("Adresse"),
        max_length=255,
        required=False,
        help_text=_(
            "Nous en déduisons votre quartier (par exemple « 12 rue Oberkampf » ou « 75011 »). "
            "Elle n'est jamais affichée."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    neighbourhood = forms.ChoiceField(
        label=_("Mon quartier"), required=False, help_text=_("Ou placez votre domicile sur la carte.")
    )
    home_lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    home_lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    birth_date = forms.DateField(
        label=_("Date de naissance"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Facultatif : seulement pour les votes qui ont un âge minimum."),
    )

    def __init__(self, *args, neighbourhoods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["neighbourhood"].choices = [("", "—"), *neighbourhoods]


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Nom du jeton"), max_length=100)


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Motif"),
        choices=[(v, label) for v, label in FlagReason.choices if v != FlagReason.APPEAL],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Précisions (facultatif)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ContestForm(forms.Form):
    comment = forms.CharField(
        label=_("Pourquoi cette contribution respecte-t-elle la charte ?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class HideForm(forms.Form):
    reason = forms.CharField(label=_("Motif public"), max_length=500)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label=_("Mot de passe"), widget=forms.PasswordInput)
    confirm = forms.BooleanField(label=_("Je comprends que cette suppression est définitive."))


class AddressSearchForm(forms.Form):
    adresse = forms.CharField(
        label=_("Adresse ou lieu"),
        max_length=255,
        help_text=_("Par exemple « place de la République », « Saint-Merri » ou « 75011 »."),
    )
