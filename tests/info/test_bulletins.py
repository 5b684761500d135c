"""Kamtibmas bulletins and safety tips: draft → published → archived, bad input refused with nothing
stored, who may write, and the public list with its category and area filters."""

from __future__ import annotations

import pytest

from siaga.core import audit
from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.info import bulletins
from siaga.info.models import Bulletin

from .conftest import *  # noqa: F403

pytestmark = pytest.mark.django_db
BODY = "Paragraf pertama tentang keamanan.\n\nParagraf kedua: kunci ganda."


def make(info, **over):
    data = {"title": "Waspada curanmor", "body": BODY, "category": "curanmor", **over}
    return bulletins.create_bulletin(info.u("humas"), **data)


def test_workflow_draft_published_archived_and_back(info):
    b = make(info)
    assert b.status == "draft" and b.slug.startswith("waspada-curanmor-")
    with pytest.raises(NotFound):
        bulletins.public_get(b.slug)
    b = bulletins.publish_bulletin(info.u("humas"), b.pk, version=b.version)
    assert b.status == "published" and b.published_at and bulletins.public_get(b.slug) == b
    first_published = b.published_at
    b = bulletins.edit_bulletin(info.u("humas"), b.pk, title="Waspada curanmor malam hari")
    assert b.slug.startswith("waspada-curanmor-") and b.title.endswith("malam hari")  # the address stays
    b = bulletins.archive_bulletin(info.u("humas"), b.pk)
    assert b.status == "archived" and bulletins.public_list() == []
    with pytest.raises(Conflict):
        bulletins.edit_bulletin(info.u("humas"), b.pk, title="Tidak bisa diubah")
    with pytest.raises(Conflict):
        bulletins.archive_bulletin(info.u("humas"), b.pk)
    b = bulletins.publish_bulletin(info.u("humas"), b.pk)
    assert b.status == "published" and b.published_at == first_published
    assert audit.verify().ok


def test_publishing_twice_is_a_conflict_and_a_stale_version_too(info):
    b = make(info, publish_now=True)
    with pytest.raises(Conflict) as e:
        bulletins.publish_bulletin(info.u("humas"), b.pk)
    assert e.value.status == 409
    with pytest.raises(Conflict):
        bulletins.archive_bulletin(info.u("humas"), b.pk, version=b.version - 1)
    b.refresh_from_db()
    assert b.status == "published"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"title": "Abc"}, "title"),
        ({"title": "x" * 161}, "title"),
        ({"body": "pendek"}, "body"),
        ({"category": "gosip"}, "category"),
        ({"kind": "rumor"}, "kind"),
        ({"area_codes": ["32.16.01"]}, "area_codes"),  # a kecamatan of another kab/kota
        ({"area_codes": "32.75.99.9999"}, "area_codes"),
    ],
)
def test_bad_input_is_refused_with_nothing_stored(info, over, field):
    with pytest.raises(Invalid) as e:
        make(info, **over)
    assert e.value.status == 400 and e.value.field == field
    assert not Bulletin.objects.exists()


@pytest.mark.parametrize("who", ["operator", "dispatcher", "patrol", "analyst", "sikum", "citizen"])
def test_roles_that_must_not_author_are_refused(info, who):
    with pytest.raises(Forbidden):
        bulletins.create_bulletin(info.u(who), title="Judul buletin", body=BODY, category="umum")
    assert not Bulletin.objects.exists()


def test_humas_of_another_polres_cannot_write_here(info):
    with pytest.raises(Forbidden):
        bulletins.create_bulletin(
            info.u("humas_other"), title="Judul buletin", body=BODY, category="umum", polres=info.polres
        )
    assert not Bulletin.objects.exists()
    b = make(info)
    with pytest.raises(NotFound):
        bulletins.publish_bulletin(info.u("humas_other"), b.pk)


def test_a_viewer_role_gets_403_not_404(info):
    b = make(info)
    with pytest.raises(Forbidden):
        bulletins.publish_bulletin(info.u("operator"), b.pk)


def test_public_list_filters_by_category_area_and_kind(info, kecamatan):
    code, _name, kels = kecamatan
    whole = make(info, title="Untuk seluruh Polres", publish_now=True)
    kec = make(info, title="Untuk kecamatan ini", area_codes=[code], category="narkoba", publish_now=True)
    kel = make(info, title="Untuk satu kelurahan", area_codes=[kels[0]], kind="tip", publish_now=True)
    make(info, title="Masih draf saja")
    titles = lambda rows: {b.title for b in rows}  # noqa: E731
    assert titles(bulletins.public_list()) == {whole.title, kec.title, kel.title}
    assert titles(bulletins.public_list(category="narkoba")) == {kec.title}
    assert titles(bulletins.public_list(kind="tip")) == {kel.title}
    # a kelurahan sees the whole-Polres and its kecamatan's bulletins and its own
    assert titles(bulletins.public_list(area=kels[0])) == {whole.title, kec.title, kel.title}
    assert titles(bulletins.public_list(area=kels[1])) == {whole.title, kec.title}
    assert titles(bulletins.public_list(area=code)) == {whole.title, kec.title, kel.title}


def test_body_is_plain_text_escaped_on_the_page(client, info):
    b = make(
        info, body="<script>alert(1)</script> teks biasa\n\n<b>tebal?</b> & seterusnya", publish_now=True
    )
    html = client.get(f"/info/{b.slug}/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<p>&lt;b&gt;tebal?&lt;/b&gt; &amp; seterusnya</p>" in html  # paragraphs kept
