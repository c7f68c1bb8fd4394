"""Concurrency claims of the core, checked with threads against PostgreSQL."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from parvis.core import accounts
from parvis.core.models import LoginThrottle, User
from parvis.core.ratelimit import RateLimited, check_rate
from tests.factories import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) are only meaningful on PostgreSQL")


def run_threads(n, target):
    barrier = threading.Barrier(n)
    errors, results = [], []

    def work(i):
        try:
            barrier.wait()
            results.append(target(i))
        except Exception as exc:  # noqa: BLE001 - collected and checked by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_concurrent_failed_logins_are_all_counted(settings):
    settings.PARVIS_LOGIN_MAX_FAILURES = 1000
    user = make_user()
    _results, errors = run_threads(12, lambda i: accounts.login_failed(email=user.email, ip="10.0.0.1"))
    assert errors == []
    assert LoginThrottle.objects.get().failures == 12  # no lost update, one row


def test_concurrent_failed_logins_make_the_pair_wait(settings):
    settings.PARVIS_LOGIN_MAX_FAILURES = 5
    user = make_user()
    run_threads(9, lambda i: accounts.login_failed(email=user.email, ip="10.0.0.1"))
    throttle = LoginThrottle.objects.get()
    assert throttle.failures == 9
    assert throttle.blocked_until is not None


def test_concurrent_hits_of_a_rate_limit_are_all_counted(settings, rf):
    settings.PARVIS_RATE_LIMITS_ENABLED = True
    settings.PARVIS_RATE_LIMITS = {**settings.PARVIS_RATE_LIMITS, "login": "5/600"}
    request = rf.post("/compte/connexion/", REMOTE_ADDR="10.0.0.2")

    def hit(i):
        try:
            check_rate(request, "login")
        except RateLimited:
            return "refused"
        return "passed"

    results, errors = run_threads(12, hit)
    assert errors == []
    assert sorted(results).count("passed") == 5


def test_concurrent_signups_with_the_same_address_make_one_account():
    def signup(i):
        return accounts.user_signup(
            email="Same@Example.org" if i % 2 else "same@example.org", password="un-mot-de-passe-solide"
        )

    results, errors = run_threads(6, signup)
    assert len(results) == 1
    assert all(isinstance(e, ValidationError) for e in errors)
    assert len(errors) == 5
    assert User.objects.filter(email__iexact="same@example.org").count() == 1
