"""Notices go out after commit, never for a rolled-back change, and a failing channel loses nothing else."""

import pytest
from django.db import transaction
from django.test import override_settings

from siaga.core import notifications
from siaga.core.notifications import Notice, deliver, notify


class Broken:
    name = "broken"

    def send(self, notice):
        raise ConnectionError("gateway down")


@pytest.fixture(autouse=True)
def fresh_channels():
    notifications.channels.cache_clear()
    yield
    notifications.channels.cache_clear()


@pytest.mark.django_db(transaction=True)
def test_email_is_sent_after_commit(mailoutbox):
    with transaction.atomic():
        notify(Notice("Izin disetujui", "Isi", email="warga@example.id"))
        assert mailoutbox == []
    assert [m.to for m in mailoutbox] == [["warga@example.id"]]
    assert mailoutbox[0].subject == "Izin disetujui"


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_for_a_rolled_back_change(mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(Notice("Izin disetujui", "Isi", email="warga@example.id"))
        raise RuntimeError("service failed")
    assert mailoutbox == []


def test_no_address_means_no_email(mailoutbox):
    assert deliver(Notice("s", "b", phone="+6281234")) == []
    assert mailoutbox == []


@override_settings(
    SIAGA_NOTIFY_CHANNELS=["tests.core.test_notifications.Broken", "siaga.core.notifications.EmailChannel"]
)
def test_a_failing_channel_does_not_stop_the_others(mailoutbox, caplog):
    assert deliver(Notice("s", "b", email="a@example.id")) == ["email"]
    assert len(mailoutbox) == 1
    assert "via broken failed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_muted_block_sends_nothing_and_unmutes_after(mailoutbox):
    with notifications.muted(), transaction.atomic():
        notify(Notice("demo", "b", email="a@example.id"))
    assert mailoutbox == []
    with transaction.atomic():
        notify(Notice("real", "b", email="a@example.id"))
    assert [m.subject for m in mailoutbox] == ["real"]
