"""Playwright driving Debian's chromium, and an axe-core accessibility check (WCAG 2.1 AA)."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PARVIS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def require_chromium() -> None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Debian chromium not found at {CHROMIUM} (apt-get install chromium)")


def log_in(page, user, path: str = "") -> None:
    """Sign in through the login form, then land on ``path`` (the form's ``next``) when given."""
    from tests.factories import PASSWORD

    page.goto(page.base_url + "/compte/connexion/" + (f"?next={path}" if path else ""))
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    if path:
        page.wait_for_url("**" + path)


def axe_violations(page, *, exclude: list[str] | None = None) -> list[dict]:
    """Run axe-core in the page and return WCAG 2.1 A/AA violations (map tiles are excluded)."""
    import axe_playwright_python

    # after a click that navigates, the new page may be in the DOM before its stylesheets apply:
    # audited then, its colours would be the browser's defaults
    page.wait_for_load_state("load")
    script = Path(axe_playwright_python.__file__).with_name("axe.min.js").read_text()
    page.evaluate(script)
    context = {"exclude": [[sel] for sel in (exclude or [])]} if exclude else {}
    result = page.evaluate(
        "([ctx, tags]) => axe.run(Object.keys(ctx).length ? ctx : document, "
        "{runOnly: {type: 'tag', values: tags}})",
        [context, WCAG_TAGS],
    )
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]
