"""The module registry: each domain app declares itself once, on its ``AppConfig``.

A module (one Django app per domain) sets ``manifest = ModuleManifest(...)`` on its ``AppConfig``, as
Decidim's components declare a manifest. Settings list the installed apps; the URLconf, the API,
the navigation, the home page, the notification preferences, the personal-data export and account
deletion, moderation and ``parvis demo`` read the manifests of the installed apps, in the order of
``INSTALLED_APPS``. The core names no module: adding one is creating the app and installing it.

Callables are given as dotted paths (``"package.module:function"``) so that ``apps.py`` imports no model
(an ``AppConfig`` is imported before any model is loaded); they are imported on first use. A manifest
built elsewhere (a test) may give the callables themselves.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import import_module

from django.apps import apps
from django.urls import NoReverseMatch, include, path, reverse


@dataclass(frozen=True)
class UrlMount:
    """A URLconf mounted at a fixed prefix (e.g. Open311's ``open311/v2/``)."""

    prefix: str
    urls: str


@dataclass(frozen=True)
class NavEntry:
    """The module's entry in the main navigation; lower ``order`` first."""

    label: object
    url_name: str
    order: int = 100


@dataclass(frozen=True)
class ExportEntry:
    """A download the module offers: its page (``url_name``, taking the slug of a ``per`` object when
    ``per`` is set, e.g. ``"consultation"``) and its formats."""

    label: object
    url_name: str
    formats: tuple[str, ...] = ("csv",)
    per: str = ""


@dataclass(frozen=True)
class LiveItem:
    """One thing a resident can do now, for the home page (an open vote, an open consultation, …).

    ``action`` is the verb shown on the link (« Voter », « Proposer une idée »); ``ends_at`` the deadline
    when there is one; ``place`` the territory it concerns (empty: the whole city); ``rank`` orders what
    matters most to a resident first (0: a decision closing soon such as a vote; 10: a contribution).
    """

    title: str
    url: str
    action: str
    ends_at: datetime | None = None
    place: str = ""
    rank: int = 10


@dataclass(frozen=True)
class HomeCard:
    """What a module shows on the home page: its live items (possibly none)."""

    items: tuple[LiveItem, ...] = ()


@dataclass(frozen=True)
class ModuleManifest:
    """Everything the platform needs to know about a module; every field is optional.

    - ``url_prefix``/``urls``: the pages, mounted at ``/<url_prefix>`` (``urls`` defaults to
      ``<app>.urls`` when ``url_prefix`` is set); the URLconf sets ``app_name``.
    - ``api_router``: ``"module:attribute"`` of a ninja ``Router``, mounted at ``/api/<api_prefix>``
      (default: the app label).
    - ``extra_urls``: other URLconfs at fixed prefixes (Open311).
    - ``navigation``: the header entry; ``description``: one sentence for the home page.
    - ``home_card``: ``fn(request) -> HomeCard | None``, the module's live items for this visitor.
    - ``notification_kinds``: ``{"app.event": label}``, shown on the preferences page before any is sent.
    - ``personal_data_export``: ``fn(user) -> dict``; ``personal_data_anonymise``: ``fn(user)``, called
      inside account deletion's transaction.
    - ``moderation_hooks``: ``fn(target, hidden)`` called by ``content_hide``/``content_unhide`` inside
      their transaction (denormalised counters).
    - ``exports``: the downloads the module offers.
    - ``demo``: ``fn(stdout)`` loading idempotent demo data, called by ``parvis demo`` after the core's.
    """

    url_prefix: str = ""
    urls: str = ""
    api_router: str = ""
    api_prefix: str = ""
    extra_urls: tuple[UrlMount, ...] = ()
    navigation: NavEntry | None = None
    description: object = ""
    home_card: str | Callable = ""
    notification_kinds: dict[str, object] = field(default_factory=dict)
    personal_data_export: str | Callable = ""
    personal_data_anonymise: str | Callable = ""
    moderation_hooks: tuple[str | Callable, ...] = ()
    exports: tuple[ExportEntry, ...] = ()
    demo: str | Callable = ""


@dataclass(frozen=True)
class Module:
    """An installed module: its app label and name, with its manifest."""

    label: str
    name: str
    manifest: ModuleManifest
    verbose_name: str = ""

    @property
    def urls(self) -> str:
        return self.manifest.urls or (f"{self.name}.urls" if self.manifest.url_prefix else "")

    @property
    def api_prefix(self) -> str:
        return self.manifest.api_prefix or self.label


def resolve(dotted: str | Callable) -> Callable:
    """``"package.module:attribute"`` → the attribute (imported on first use); a callable is kept."""
    if callable(dotted):
        return dotted
    module_path, _sep, attribute = dotted.partition(":")
    if not attribute:
        raise ValueError(f"expected 'module:attribute', got {dotted!r}")
    return getattr(import_module(module_path), attribute)


def installed() -> list[Module]:
    """The installed apps that declare a manifest, in ``INSTALLED_APPS`` order."""
    return [
        Module(config.label, config.name, config.manifest, str(config.verbose_name))
        for config in apps.get_app_configs()
        if isinstance(getattr(config, "manifest", None), ModuleManifest)
    ]


def _callables(attribute: str) -> Iterator[tuple[Module, Callable]]:
    for module in installed():
        dotted = getattr(module.manifest, attribute)
        if dotted:
            yield module, resolve(dotted)


# --- What the root URLconf, the API and the navigation read ---------------------------------------


def urlpatterns() -> list:
    """Every module's pages under its prefix, then the extra mounts (e.g. Open311)."""
    patterns = []
    for module in installed():
        if module.manifest.url_prefix:
            patterns.append(path(module.manifest.url_prefix, include(module.urls)))
    for module in installed():
        for mount in module.manifest.extra_urls:
            patterns.append(path(mount.prefix, include(mount.urls)))
    return patterns


def api_routers() -> list[tuple[str, object]]:
    """``[(prefix, router)]`` for ``NinjaAPI.add_router``."""
    return [
        (f"/{module.api_prefix}", resolve(module.manifest.api_router))
        for module in installed()
        if module.manifest.api_router
    ]


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    active: bool
    name: str
    description: str


def navigation(current_path: str = "") -> list[NavLink]:
    """The modules' header links, ordered; a module whose page cannot be reversed is left out."""
    links = []
    entries = [(m, m.manifest.navigation) for m in installed() if m.manifest.navigation]
    for module, entry in sorted(entries, key=lambda pair: pair[1].order):
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        links.append(
            NavLink(
                label=str(entry.label),
                url=url,
                active=bool(current_path) and current_path.startswith(url),
                name=module.label,
                description=str(module.manifest.description or entry.label),
            )
        )
    return links


# --- What the notifications, accounts, moderation and demo read ------------------------------------


def notification_kinds() -> dict[str, object]:
    """Every module's declared kinds, ``{kind: label}``."""
    kinds: dict[str, object] = {}
    for module in installed():
        kinds.update(module.manifest.notification_kinds)
    return kinds


def personal_data_exporters() -> list[tuple[str, Callable]]:
    return [(m.label, fn) for m, fn in _callables("personal_data_export")]


def personal_data_anonymisers() -> list[tuple[str, Callable]]:
    return [(m.label, fn) for m, fn in _callables("personal_data_anonymise")]


def moderation_hooks() -> list[Callable]:
    return [resolve(dotted) for module in installed() for dotted in module.manifest.moderation_hooks]


def demo_loaders() -> list[tuple[str, Callable]]:
    return [(m.label, fn) for m, fn in _callables("demo")]


def exports() -> list[tuple[Module, ExportEntry]]:
    return [(module, entry) for module in installed() for entry in module.manifest.exports]


@dataclass(frozen=True)
class LiveEntry:
    """A live item with the name of the module it comes from, for the home page."""

    module: str
    item: LiveItem


def live_items(request) -> list[LiveEntry]:
    """Every module's live items for this visitor, what matters most first: by ``rank`` (a vote before a
    call for contributions), then the nearest deadline, then those without one."""
    entries = []
    for module, provider in _callables("home_card"):
        card = provider(request)
        if card is not None:
            entries.extend(LiveEntry(module.verbose_name or module.label, item) for item in card.items)
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(entries, key=lambda e: (e.item.rank, e.item.ends_at is None, e.item.ends_at or far))
