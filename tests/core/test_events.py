"""Domain events: in-transaction subscribers run inside the writer's transaction, after-commit ones only
once it has committed (never on rollback), and a failing after-commit subscriber cannot undo the write."""

from __future__ import annotations

import logging

import pytest
from django.db import connection, transaction

from siaga.accounts import services as accounts
from siaga.accounts.models import User
from siaga.core import events
from siaga.core.events import Event, publish
from siaga.core.models import AuditEntry


@pytest.fixture
def subscribe():
    """Register subscribers for one test; they are removed afterwards."""
    added = []

    def add(pattern: str, phase: events.Phase):
        def register(fn):
            events.subscribe(pattern, phase)(fn)
            added.append(fn)
            return fn

        return register

    yield add
    for fn in added:
        events.unsubscribe(fn)


@pytest.mark.django_db(transaction=True)
def test_in_transaction_runs_inside_and_after_commit_only_after(subscribe):
    seen = []

    @subscribe("test.*", "in_transaction")
    def inside(event):
        seen.append(("inside", event.name, connection.in_atomic_block))

    @subscribe("test.*", "after_commit")
    def after(event):
        seen.append(("after", event.name, connection.in_atomic_block))

    with transaction.atomic():
        publish(Event("test.thing.created", "test.thing", 1))
        assert seen == [("inside", "test.thing.created", True)]  # at once, within the transaction
        publish(Event("other.thing.created", "other.thing", 2))  # a pattern that does not match
    assert seen == [("inside", "test.thing.created", True), ("after", "test.thing.created", False)]


@pytest.mark.django_db(transaction=True)
def test_after_commit_waits_for_the_outermost_transaction(subscribe):
    seen = []
    subscribe("test.*", "after_commit")(lambda e: seen.append(e.name))
    with transaction.atomic():
        with transaction.atomic():
            publish(Event("test.nested"))
        assert seen == []  # a savepoint released is not a commit
    assert seen == ["test.nested"]


@pytest.mark.django_db(transaction=True)
def test_after_commit_never_runs_on_rollback(subscribe):
    inside, after = [], []
    subscribe("test.*", "in_transaction")(lambda e: inside.append(e.name))
    subscribe("test.*", "after_commit")(lambda e: after.append(e.name))
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(Event("test.doomed"))
        raise RuntimeError("the service failed after publishing")
    assert inside == ["test.doomed"] and after == []
    assert not AuditEntry.objects.filter(action="test.doomed").exists()

    # an inner savepoint rolled back drops its events, the outer transaction's still go out
    with transaction.atomic():
        publish(Event("test.kept"))
        with pytest.raises(RuntimeError), transaction.atomic():
            publish(Event("test.dropped"))
            raise RuntimeError
    assert after == ["test.kept"]


@pytest.mark.django_db(transaction=True)
def test_a_failing_after_commit_subscriber_does_not_break_the_write(subscribe, caplog):
    later = []

    @subscribe("accounts.*", "after_commit")
    def broken(event):
        raise ConnectionError("notification service down")

    subscribe("accounts.*", "after_commit")(lambda e: later.append(e.name))

    with caplog.at_level(logging.ERROR, logger="siaga.core.events"):
        user = accounts.create_user("survivor", "a-long-passphrase-9", "citizen")
    assert User.objects.filter(pk=user.pk).exists()
    assert AuditEntry.objects.filter(action="accounts.user.created", object_id=str(user.pk)).exists()
    assert later == ["accounts.user.created"]  # the subscribers after the broken one still ran
    assert "notification service down" in caplog.text or "broken" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_failing_in_transaction_subscriber_rolls_the_write_back(subscribe):
    @subscribe("accounts.*", "in_transaction")
    def veto(event):
        raise ValueError("refused")

    with pytest.raises(ValueError):
        accounts.create_user("vetoed", "a-long-passphrase-9", "citizen")
    assert not User.objects.filter(username="vetoed").exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        publish(Event("test.loose"))


def test_every_event_is_audited_and_pushed():
    """The two standing subscribers are registered once the app is ready."""
    names = {(fn.__name__, phase) for _, phase, fn in events._subscribers}
    assert ("write_audit", "in_transaction") in names and ("push_realtime", "after_commit") in names
