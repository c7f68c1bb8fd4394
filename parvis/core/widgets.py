"""Form widgets shared by the modules' admin and staff forms."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class PerimeterWidget(forms.Textarea):
    """A GeoJSON polygon drawn on a Leaflet map; the textarea stays editable as the way without a map."""

    class Media:
        css = {"all": ["leaflet/leaflet.css"]}
        js = ["leaflet/leaflet.js", "core/perimeter-widget.js"]

    def __init__(self, attrs=None):
        defaults = {
            "rows": 4,
            "data-perimeter-widget": "1",
            "data-center": ",".join(str(x) for x in settings.PARVIS_MAP_CENTER),
            "data-tiles": settings.PARVIS_TILE_URL,
            "data-map-label": _("Carte : cliquez pour placer les coins du périmètre"),
            "data-reset-label": _("Effacer le périmètre"),
        }
        super().__init__({**defaults, **(attrs or {})})

    def format_value(self, value):
        # A JSON field with no perimeter renders as "null": show an empty box instead.
        return "" if value in (None, "null") else super().format_value(value)
