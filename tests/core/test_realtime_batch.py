"""Realtime push costs: the Polres → Polda map is cached and emptied whenever the territory changes, and the
events of one commit leave in one batch (a savepoint rolled back drops only its own events)."""

from __future__ import annotations

import pytest
from django.db import transaction

from siaga.core import realtime
from siaga.core.events import Event, publish
from siaga.territory import services as territory
from tests.core.world import build_tree

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tree():
    realtime.clear_polda_cache()
    return build_tree()


def _polda_groups(polres_id: int) -> list[str]:
    return [g for g in realtime.groups_of(Event("test.x", polres_id=polres_id)) if ".polda." in g]


def test_polda_of_a_polres_is_read_once(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert _polda_groups(tree.a.pk) == [realtime.polda_group(tree.polda.pk)]
    with django_assert_num_queries(0):
        assert _polda_groups(tree.a.pk) == [realtime.polda_group(tree.polda.pk)]


def test_a_polres_moved_to_another_polda_is_seen_at_once(tree):
    assert _polda_groups(tree.a.pk) == [realtime.polda_group(tree.polda.pk)]
    other = territory.create_polda("POLDA-X", "Polda X", province_code=tree.polda.province_id)
    tree.a.polda = other
    tree.a.save()
    assert _polda_groups(tree.a.pk) == [realtime.polda_group(other.pk)]
    assert _polda_groups(tree.b.pk) == [realtime.polda_group(tree.polda.pk)]


def test_a_territory_service_empties_the_map(tree):
    assert _polda_groups(tree.a.pk)
    realtime._polda_cache[tree.a.pk] = 999_999  # what a stale map would say
    territory.create_polda("POLDA-Y", "Polda Y", province_code=tree.polda.province_id)
    assert realtime._polda_cache == {}
    assert _polda_groups(tree.a.pk) == [realtime.polda_group(tree.polda.pk)]


def test_an_unknown_polres_is_not_remembered(tree):
    assert _polda_groups(987_654) == []
    assert 987_654 not in realtime._polda_cache


@pytest.fixture
def sent(monkeypatch):
    calls: list[list[str]] = []

    def record(items):
        calls.append([msg["text"].split('"name": "')[1].split('"')[0] for _groups, msg in items])

    monkeypatch.setattr(realtime, "_dispatch", record)
    return calls


def test_the_events_of_one_commit_leave_together(tree, sent):
    with transaction.atomic():
        publish(Event("test.one", polres_id=tree.a.pk))
        publish(Event("test.two", polres_id=tree.b.pk))
        assert sent == []  # nothing before the commit
    with transaction.atomic():
        publish(Event("test.three", polres_id=tree.a.pk))
    assert sent == [["test.one", "test.two"], ["test.three"]]


def test_a_rolled_back_savepoint_drops_only_its_events(tree, sent):
    with transaction.atomic():
        publish(Event("test.kept", polres_id=tree.a.pk))
        try:
            with transaction.atomic():
                publish(Event("test.dropped", polres_id=tree.a.pk))
                raise RuntimeError
        except RuntimeError:
            pass
        publish(Event("test.after", polres_id=tree.a.pk))
    assert sent == [["test.kept", "test.after"]]


def test_a_rollback_sends_nothing_and_leaves_no_batch_open(tree, sent):
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(Event("test.gone", polres_id=tree.a.pk))
        raise RuntimeError
    with transaction.atomic():
        publish(Event("test.next", polres_id=tree.a.pk))
    assert sent == [["test.next"]]
