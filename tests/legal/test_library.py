"""The library: the bundled seed, full-text imports, status, the KUHP old ↔ new mapping, FAQ entries."""

from __future__ import annotations

import pytest

from siaga.core.errors import Forbidden, Invalid, NotFound
from siaga.core.models import AuditEntry
from siaga.legal import library
from siaga.legal.models import Article, FaqEntry, KuhpMapping, Regulation, Relation

from .conftest import *  # noqa: F403

pytestmark = pytest.mark.django_db

TEXT = """UNDANG-UNDANG TENTANG CONTOH
BAB I
KETENTUAN UMUM
Pasal 1
Dalam undang-undang ini yang dimaksud dengan jalan adalah seluruh bagian jalan.
BAB II
KECELAKAAN
Pasal 2
(1) Kecelakaan digolongkan atas ringan, sedang, dan berat.
(2) Penggolongan dipakai untuk statistik.
"""


def test_the_seed_holds_the_key_regulations_with_structure_and_summaries(legal):
    slugs = set(Regulation.objects.values_list("slug", flat=True))
    for s in ["uu-2-2002", "uu-1-2023", "kuhp-wvs-1915", "uu-20-2025", "uu-22-2009", "uu-9-1998"]:
        assert s in slugs
    for s in ["uu-27-2022", "uu-14-2008", "pp-60-2017", "perpol-7-2023", "perkap-7-2012"]:
        assert s in slugs
    assert {"perpol-2-2021", "perkap-3-2016"} <= slugs
    assert all(r.summary for r in Regulation.objects.all())
    a = library.article("uu-22-2009", "229")
    assert a.is_summary and a.heading and a.text.startswith("Ringkasan")
    old = library.article("kuhp-wvs-1915", "363")
    assert (old.bab, old.bab_title) == ("BAB XXII", "PENCURIAN")
    # every seeded article is marked as a summary: no invented official text
    assert not Article.objects.filter(is_summary=False).exists()
    assert Regulation.objects.get(slug="kuhp-wvs-1915").status == "revoked"
    assert Relation.objects.filter(
        source__slug="uu-1-2023", target__slug="kuhp-wvs-1915", kind="revokes"
    ).exists()
    assert Relation.objects.filter(target__slug="uu-11-2008", kind="amends").count() == 2


def test_seeding_again_changes_nothing(legal):
    before = (
        Regulation.objects.count(),
        Article.objects.count(),
        KuhpMapping.objects.count(),
        FaqEntry.objects.count(),
    )
    counts = library.load_seed()
    after = (
        Regulation.objects.count(),
        Article.objects.count(),
        KuhpMapping.objects.count(),
        FaqEntry.objects.count(),
    )
    assert before == after and counts["faq"] == 0


def test_import_replaces_the_summaries_with_the_official_text(legal):
    reg = library.import_text(legal.u("sikum"), TEXT, kind="UU", number="22", year=2009)
    assert reg.full_text
    arts = list(reg.articles.all())
    assert [a.number for a in arts] == ["1", "2"]
    assert arts[1].bab == "BAB II" and arts[1].ayat()[1] == ("2", "Penggolongan dipakai untuk statistik.")
    assert not any(a.is_summary for a in arts)
    assert AuditEntry.objects.filter(action="legal.regulation.imported").exists()
    # the seed no longer touches a regulation whose official text was imported
    library.load_seed()
    assert [a.number for a in reg.articles.all()] == ["1", "2"]


def test_import_creates_a_new_regulation_when_titled(legal):
    reg = library.import_text(None, TEXT, kind="perpol", number="3", year=2020, title="Contoh Peraturan")
    assert (reg.slug, reg.kind, reg.citation, reg.title) == (
        "perpol-3-2020",
        "Perpol",
        "Perpol 3/2020",
        "Contoh Peraturan",
    )
    assert reg.articles.count() == 2 and reg.status == "in_force"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"text": "tanpa pasal sama sekali"}, "text"),
        ({"text": "Pasal 1\nsatu\nPasal 1\ndua"}, "text"),
        ({"kind": "Qanun"}, "kind"),
        ({"year": 1200}, "year"),
        ({"year": "tahun"}, "year"),
        ({"number": "2; DROP"}, "number"),
        ({"number": "99", "title": ""}, "title"),
    ],
)
def test_bad_imports_change_nothing(legal, kwargs, field):
    args = {"text": TEXT, "kind": "UU", "number": "22", "year": 2009, **kwargs}
    before = list(Article.objects.values_list("pk", "text"))
    with pytest.raises(Invalid) as e:
        library.import_text(legal.u("sikum"), args.pop("text"), **args)
    assert e.value.field == field
    assert list(Article.objects.values_list("pk", "text")) == before


def test_only_si_kum_may_change_the_library(legal):
    for name in ("operator", "commander", "citizen", "humas"):
        with pytest.raises(Forbidden):
            library.import_text(legal.u(name), TEXT, kind="UU", number="22", year=2009)
        with pytest.raises(Forbidden):
            library.set_status(legal.u(name), "uu-22-2009", "revoked")
    assert not Regulation.objects.get(slug="uu-22-2009").full_text
    reg = library.set_status(legal.u("sikum"), "uu-22-2009", "amended")
    assert reg.status == "amended"
    with pytest.raises(Invalid):
        library.set_status(legal.u("sikum"), "uu-22-2009", "dihapus")
    with pytest.raises(NotFound):
        library.set_status(legal.u("sikum"), "uu-0-1900", "revoked")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("362", "476"),
        ("363", "477"),
        ("365", "479"),
        ("351", "466"),
        ("378", "492"),
        ("372", "486"),
        ("338", "458"),
        ("285", "473"),
    ],
)
def test_kuhp_mapping_of_the_brief(legal, old, new):
    rows = library.kuhp_lookup(old=old)
    assert [r["map"].new_number for r in rows] == [new]
    assert rows[0]["old"].number == old and rows[0]["new"].number == new
    assert rows[0]["map"].source
    assert library.new_article_for_old(old) == [new]


def test_kuhp_lookup_reads_what_people_type_and_refuses_nonsense(legal):
    assert library.new_article_for_old("Pasal 363") == ["477"]
    assert library.new_article_for_old(" ps. 363 ") == ["477"]
    assert library.new_article_for_old("999") == []
    for bad in ("tiga", "363; --", "12345678", "<b>"):
        with pytest.raises(Invalid):
            library.kuhp_lookup(old=bad)


def test_both_article_pages_know_the_other_side(legal):
    new = library.article("uu-1-2023", "477")
    assert [r["map"].old_number for r in library.mappings_for(new)] == ["363"]
    old = library.article("kuhp-wvs-1915", "365")
    assert [r["map"].new_number for r in library.mappings_for(old)] == ["479"]
    assert library.mappings_for(library.article("uu-22-2009", "229")) == []


def test_unverified_mappings_are_marked(legal):
    assert KuhpMapping.objects.filter(verified=False).exists()
    assert all(m.source for m in KuhpMapping.objects.all())


def test_faq_entries_are_validated(legal):
    f = library.save_faq(
        legal.u("sikum"),
        topic="pidana",
        question="Bagaimana cara melapor?",
        answer="Datang ke SPKT terdekat.",
    )
    assert f.published and f.pk
    with pytest.raises(Invalid):
        library.save_faq(
            legal.u("sikum"), topic="olahraga", question="Bagaimana cara melapor?", answer="Datang ke SPKT."
        )
    with pytest.raises(Invalid):
        library.save_faq(legal.u("sikum"), topic="pidana", question="?", answer="Datang ke SPKT terdekat.")
    with pytest.raises(Forbidden):
        library.save_faq(
            legal.u("operator"), topic="pidana", question="Bagaimana cara melapor?", answer="Datang ke SPKT."
        )


def test_cli_seed_and_import(legal, tmp_path):
    from django.core.management import CommandError, call_command

    call_command("legal", "seed", stdout=open(tmp_path / "out1", "w"))  # noqa: SIM115
    f = tmp_path / "uu9.txt"
    f.write_text(
        "\ufeffBAB I\nKETENTUAN UMUM\nPasal 1\nTeks resmi pasal satu.\nPasal 2\n(1) ayat satu\n", "utf-8"
    )
    out = tmp_path / "out2"
    with open(out, "w") as fh:
        call_command("legal", "import", str(f), "--kind", "UU", "--number", "9", "--year", "1998", stdout=fh)
    assert "2 articles imported" in out.read_text()
    assert library.article("uu-9-1998", "2").ayat() == [("1", "ayat satu")]
    (tmp_path / "empty.txt").write_text("tidak ada pasal", "utf-8")
    with pytest.raises(CommandError):
        call_command(
            "legal", "import", str(tmp_path / "empty.txt"), "--kind", "UU", "--number", "9", "--year", "1998"
        )
    with pytest.raises(CommandError):
        call_command(
            "legal",
            "import",
            str(tmp_path / "missing.txt"),
            "--kind",
            "UU",
            "--number",
            "9",
            "--year",
            "1998",
        )
    assert library.article("uu-9-1998", "1").text == "Teks resmi pasal satu."
