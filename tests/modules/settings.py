"""Parvis's settings with one more module installed: the only change a new module needs."""

from parvis.settings import *  # noqa: F403
from parvis.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.modules.sample"]
