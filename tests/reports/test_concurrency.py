"""Concurrent retries of the same submission create one report (PostgreSQL, real transactions)."""

import threading

import pytest
from django.db import connection, connections

from parvis.reports import services
from parvis.reports.models import Report
from tests.factories import make_user

from .factories import REPUBLIQUE, make_tree

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_same_client_token_from_threads_gives_one_report(paris):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is exercised on PostgreSQL (SQLite serialises writers)")
    _f, _k, leaf = make_tree()
    user = make_user()
    barrier = threading.Barrier(6)
    results, errors = [], []

    def submit():
        try:
            barrier.wait()
            report, created = services.report_create(
                draft=services.ReportDraft(
                    category_code=leaf.code,
                    lat=REPUBLIQUE[0],
                    lon=REPUBLIQUE[1],
                    description="Retry",
                    client_token="same-phone-retry",
                ),
                author=user,
            )
            results.append((report.pk, created))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Report.objects.filter(client_token="same-phone-retry").count() == 1
    assert len({pk for pk, _c in results}) == 1
    assert sum(1 for _pk, created in results if created) == 1


def test_concurrent_supports_keep_the_counter_exact(paris):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is exercised on PostgreSQL (SQLite serialises writers)")
    from parvis.reports import campaigns
    from parvis.reports.models import Contribution, Support

    from .factories import make_campaign

    campaign = make_campaign(kind="codesign")
    proposal = campaigns.contribution_create(
        campaign=campaign, author=make_user(), title="Un banc", body="", lat=REPUBLIQUE[0], lon=REPUBLIQUE[1]
    )
    people = [make_user() for _ in range(4)]
    # Each person taps twice at the same time: one support each, counter equal to the rows.
    barrier = threading.Barrier(8)
    errors = []

    def tap(user):
        try:
            barrier.wait()
            campaigns.contribution_support(contribution=proposal, user=user)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tap, args=(p,)) for p in people + people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    proposal.refresh_from_db()
    assert Support.objects.filter(contribution=proposal).count() == 4
    assert Contribution.objects.get(pk=proposal.pk).support_count == 4


def test_two_agents_closing_at_once_one_wins(paris):
    """The row lock makes the second agent see the first one's decision (done → rejected is not allowed)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is exercised on PostgreSQL (SQLite serialises writers)")
    from django.core.exceptions import ValidationError

    from parvis.reports.models import ReportEvent
    from tests.factories import make_agent, make_service

    from .factories import make_report

    service = make_service()
    _f, _k, leaf = make_tree(service=service)
    report = make_report(category=leaf)
    agents = [make_agent(service=service), make_agent(service=service)]
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def close(agent, status):
        try:
            barrier.wait()
            services.report_set_status(
                report=report, actor=agent, status=status, public_reason="Hors compétence"
            )
            outcomes.append(status)
        except ValidationError:
            outcomes.append("refused")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=close, args=(agents[0], "done")),
        threading.Thread(target=close, args=(agents[1], "rejected")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert outcomes.count("refused") == 1
    report.refresh_from_db()
    assert report.status in {"done", "rejected"}
    assert ReportEvent.objects.filter(report=report, kind="status").count() == 1


def test_two_admins_adding_the_same_routing_rule_get_one_rule(paris):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is exercised on PostgreSQL (SQLite serialises writers)")
    from django.core.exceptions import ValidationError

    from parvis.reports.models import RoutingRule
    from tests.factories import make_admin, make_service

    from .factories import district

    _f, _k, leaf = make_tree()
    admins = [make_admin() for _ in range(4)]
    services_ = [make_service() for _ in range(4)]
    territory_id = district("11").pk
    barrier = threading.Barrier(4)
    added, refused, errors = [], [], []

    def add(i):
        try:
            barrier.wait()
            services.routing_rule_add(
                actor=admins[i], category=leaf, service_id=services_[i].pk, territory_id=territory_id
            )
            added.append(i)
        except ValidationError as exc:
            refused.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(added) == 1
    assert len(refused) == 3
    assert all("existe déjà" in m for m in refused)
    assert RoutingRule.objects.filter(category=leaf).count() == 1
