"""The moderation hooks modules declare in their manifest, called by ``content_hide``/``content_unhide``."""

import pytest
from django.core.exceptions import ValidationError

from parvis.core import moderation, modules
from parvis.core.modules import ModuleManifest
from tests.core.conftest import Contribution
from tests.factories import make_moderator

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(extra_module):
    """A registry holding one module with a recording hook (the installed modules are put back after)."""
    seen = []

    def hook(target, hidden):
        # Runs after the save, inside the transaction: the row already says what was decided.
        seen.append((target.pk, hidden, Contribution.objects.get(pk=target.pk).is_hidden))

    extra_module(ModuleManifest(moderation_hooks=(hook,)), only=True)
    return seen


def test_hide_and_unhide_call_the_hooks(calls, contribution):
    moderator = make_moderator()
    moderation.content_hide(moderator=moderator, target=contribution, reason="Spam")
    moderation.content_unhide(moderator=moderator, target=contribution)
    assert calls == [(contribution.pk, True, True), (contribution.pk, False, False)]


def test_refused_hide_calls_no_hook(calls, contribution):
    with pytest.raises(ValidationError):
        moderation.content_hide(moderator=make_moderator(), target=contribution, reason=" ")
    assert calls == []


def test_a_failing_hook_rolls_the_decision_back(extra_module, contribution):
    def broken(target, hidden):
        raise ValidationError("Compteur impossible à mettre à jour.")

    extra_module(ModuleManifest(moderation_hooks=(broken,)), only=True)
    with pytest.raises(ValidationError):
        moderation.content_hide(moderator=make_moderator(), target=contribution, reason="Spam")
    contribution.refresh_from_db()
    assert not contribution.is_hidden


def test_the_ideas_app_declares_its_hook():
    from parvis.ideas.services import on_content_hidden

    assert on_content_hidden in modules.moderation_hooks()
