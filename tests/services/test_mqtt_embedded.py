# ruff: noqa: F811  (fixtures imported from their modules, used as parameters)
"""`siaga run` with SIAGA_MQTT_URL: the subscriber inside the web process, as a task on the server's event
loop (one process, in-memory channel layer) or as a thread (several workers, Redis layer), end to end into
the unit's latest position."""

from __future__ import annotations

import asyncio
import time

import pytest

from siaga.ingest import mqtt
from tests.ingest.conftest import bekasi_kelurahan, kit, polres, polsek, units, world  # noqa: F401 (fixtures)
from tests.services.test_mqtt_broker import broker, publish  # noqa: F401  (fixture)
from tests.services.test_mqtt_faults import fixes

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]


def unit_position(unit_id):
    from siaga.cad.models import Unit

    return Unit.objects.filter(pk=unit_id).values_list("lat", "lon", "position_at").get()


def test_in_a_thread_without_an_event_loop(broker, kit, settings):
    unit = kit["phone"][0].unit
    settings.MQTT_URL = f"{broker.url}?client_id=embedded-thread"
    sub = mqtt.start_in_background()
    try:
        assert sub.subscribed.wait(15)
        fix = fixes(1)[0]
        publish(broker.port, "owntracks/andi/hp", fix)
        deadline = time.monotonic() + 30
        while not sub.stats["accepted"]:  # the stats, not the database: in-memory SQLite is shared by lock
            assert time.monotonic() < deadline, dict(sub.stats)
            time.sleep(0.05)
    finally:
        sub.stop()
    lat, lon, at = unit_position(unit.pk)
    assert (lat, lon, int(at.timestamp())) == (fix["lat"], fix["lon"], fix["tst"])


def test_as_a_task_on_the_running_loop(broker, kit, settings):
    unit = kit["phone"][0].unit
    settings.MQTT_URL = f"{broker.url}?client_id=embedded-loop"
    fix = fixes(1)[0]

    async def serve():
        sub = mqtt.start_in_background()
        try:
            assert isinstance(sub.task, asyncio.Task)
            assert await asyncio.to_thread(sub.subscribed.wait, 5)
            await asyncio.to_thread(publish, broker.port, "owntracks/andi/hp", fix)
            deadline = time.monotonic() + 30
            while not sub.stats["accepted"]:
                assert time.monotonic() < deadline, dict(sub.stats)
                await asyncio.sleep(0.05)
        finally:
            sub.stopped.set()
            await sub.task
            sub.stop()
        return sub

    sub = asyncio.run(serve())
    assert sub.stats["accepted"] == 1
    lat, lon, at = unit_position(unit.pk)
    assert (lat, lon, int(at.timestamp())) == (fix["lat"], fix["lon"], fix["tst"])
