"""No permission decision outside the permissions contract: views, APIs, services, selectors, forms and
templates ask ``permissions.py`` (or core's ``permissions``), they never test a role themselves."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "parvis"

#: A role or staff flag read on an object (``user.is_agent``, ``request.user.is_city_admin``), unless
#: it is the contract's own function (``permissions.is_agent(user)``) or an assignment.
ROLE_FLAG = re.compile(
    r"(?<!permissions)(?<!core)\.(is_staff|is_superuser|is_agent|is_moderator|is_mediator|is_city_admin)\b"
    r"(?!\s*=[^=])"
)
ROLE_TEST = re.compile(r"\.role\s*(==|!=|in\b|not in\b)")

#: Where roles are defined (the ``User`` properties) and decided (every permissions module).
ALLOWED = {"core/models.py", "core/permissions.py"}


def _sources():
    for path in sorted(ROOT.rglob("*")):
        if path.suffix not in {".py", ".html"} or "migrations" in path.parts:
            continue
        relative = path.relative_to(ROOT).as_posix()
        if path.name == "permissions.py" or relative in ALLOWED:
            continue
        yield relative, path.read_text(encoding="utf-8")


def test_no_role_test_outside_the_permissions_contract():
    found = [
        f"{relative}:{number}: {line.strip()}"
        for relative, text in _sources()
        for number, line in enumerate(text.splitlines(), 1)
        if ROLE_FLAG.search(line) or ROLE_TEST.search(line)
    ]
    assert found == [], "ask permissions.py instead:\n" + "\n".join(found)


def test_the_check_finds_what_it_looks_for():
    for line in (
        "if request.user.is_agent:",
        "{% if user.is_moderator %}",
        "if not (user.is_authenticated and user.is_city_admin):",
        "if user.role == Role.ADMIN:",
        "qs = qs if user.is_superuser else qs.none()",
    ):
        assert ROLE_FLAG.search(line) or ROLE_TEST.search(line), line
    for line in ("permissions.is_agent(user)", "core.is_city_admin(user)", "user.is_staff = False"):
        assert not ROLE_FLAG.search(line), line
        assert not ROLE_TEST.search(line), line
