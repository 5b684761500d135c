"""Consultations: asking (bad input stores nothing, retries do not duplicate, rate limits), the public view
without identity, Si Kum's workflow and who may see it, the e-mail on answer, publishing to the FAQ."""

from __future__ import annotations

import pytest

from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.models import AuditEntry
from siaga.legal import consultations as cons
from siaga.legal.models import Consultation, FaqEntry
from siaga.portal.common import TooMany

from .conftest import *  # noqa: F403
from .conftest import key

pytestmark = pytest.mark.django_db
Q = "Apakah saya wajib melapor bila motor saya ditabrak dari belakang dan pengemudinya mau ganti rugi?"
A = "Kecelakaan dengan kerugian materiil tetap sebaiknya dilaporkan; lihat UU 22/2009 Pasal 231."


def ask(n=1, **kw):
    args = {"key": key(n), "topic": "lalu_lintas", "question": Q, **kw}
    return cons.ask(**args)


def test_asking_stores_the_question_with_a_tracking_code(legal):
    c = ask(name="Budi Santoso", email="budi@example.id")
    assert len(c.tracking_code) == 10 and c.status == "new" and c.polres == legal.polres
    assert (c.name, c.email) == ("Budi Santoso", "budi@example.id")
    assert cons.by_code(c.tracking_code.lower()) == c


def test_a_retry_with_the_same_key_returns_the_first(legal):
    a = ask(1)
    b = ask(1, question="Pertanyaan lain yang berbeda sama sekali dari yang pertama.")
    assert a.pk == b.pk and Consultation.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"key": "short"}, "key"),
        ({"topic": "olahraga"}, "topic"),
        ({"question": "Tolong"}, "question"),
        ({"question": "x" * 4001}, "question"),
        ({"email": "bukan-email"}, "email"),
        ({"name": "N" * 121}, "name"),
    ],
)
def test_bad_input_stores_nothing(legal, kwargs, field):
    with pytest.raises(Invalid) as e:
        ask(**kwargs)
    assert e.value.field == field
    assert Consultation.objects.count() == 0
    assert not AuditEntry.objects.filter(action="legal.consultation.asked").exists()


def test_rate_limit_per_device(legal, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # a question counts once it is stored
        for i in range(5):
            ask(i, device="phone-1")
    with pytest.raises(TooMany):
        ask(99, device="phone-1")
    ask(100, device="phone-2")
    assert Consultation.objects.count() == 6


def test_refused_questions_do_not_use_up_the_limit(legal, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(8):
            with pytest.raises(Invalid):
                ask(1, device="phone-1", question="too short")
        c = ask(1, device="phone-1")
    assert c.pk and Consultation.objects.count() == 1


def test_the_public_view_never_shows_who_asked(legal):
    c = ask(name="Budi Santoso", email="budi@example.id")
    view = cons.public_view(c)
    assert "Budi" not in str(view) and "example.id" not in str(view)
    assert view["question"] == Q and view["answer"] == ""
    audit = " ".join(
        str(e.before) + str(e.after) for e in AuditEntry.objects.filter(action__startswith="legal.")
    )
    assert "Budi" not in audit and "budi@example.id" not in audit and Q not in audit


def test_unknown_code_is_not_found(legal):
    with pytest.raises(NotFound):
        cons.by_code("ZZZZZZZZZZ")


def test_workflow_and_e_mail_on_answer(legal, mailoutbox, django_capture_on_commit_callbacks):
    c = ask(email="budi@example.id")
    sikum = legal.u("sikum")
    c = cons.assign(sikum, c.pk, version=c.version)
    assert c.status == "assigned" and c.assigned_to == sikum
    with django_capture_on_commit_callbacks(execute=True):
        c = cons.answer(sikum, c.pk, text=A, version=c.version)
    assert c.status == "answered" and c.answered_by == sikum and c.answered_at
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["budi@example.id"]
    assert c.tracking_code in mailoutbox[0].subject and A in mailoutbox[0].body
    view = cons.public_view(c)
    assert view["answer"] == A and view["status"] == "answered"
    c = cons.close(sikum, c.pk)
    assert c.status == "closed" and cons.public_view(c)["answer"] == A
    with pytest.raises(Invalid):
        cons.answer(sikum, c.pk, text=A)


def test_no_e_mail_without_an_address(legal, mailoutbox, django_capture_on_commit_callbacks):
    c = ask()
    with django_capture_on_commit_callbacks(execute=True):
        cons.answer(legal.u("sikum"), c.pk, text=A)
    assert mailoutbox == []


def test_bad_staff_input(legal):
    c = ask()
    sikum = legal.u("sikum")
    with pytest.raises(Invalid):
        cons.answer(sikum, c.pk, text="ok")
    with pytest.raises(Invalid):
        cons.close(sikum, c.pk, reason="")  # an unanswered question needs a reason
    with pytest.raises(Conflict):
        cons.assign(sikum, c.pk, version=c.version + 5)
    with pytest.raises(Invalid):
        cons.assign(sikum, c.pk, to=legal.u("operator"))
    with pytest.raises(NotFound):
        cons.assign(sikum, "abc")
    c.refresh_from_db()
    assert (c.status, c.version, c.answer) == ("new", 1, "")
    closed = cons.close(sikum, c.pk, reason="Pertanyaan ganda.")
    assert closed.status == "closed" and cons.public_view(closed)["closed_reason"] == "Pertanyaan ganda."


def test_who_sees_and_who_answers(legal):
    c = ask()
    assert list(cons.queue(legal.u("sikum"))) == [c]
    assert list(cons.queue(legal.u("commander"))) == [c]  # the commander reads, does not answer
    with pytest.raises(Forbidden):
        cons.answer(legal.u("commander"), c.pk, text=A)
    for name in ("operator", "citizen", "humas", "sikum_b"):  # sikum_b: Si Kum of another Polres
        assert list(cons.queue(legal.u(name))) == []
        with pytest.raises(NotFound):
            cons.answer(legal.u(name), c.pk, text=A)
    c.refresh_from_db()
    assert c.status == "new"


def test_publishing_to_the_faq_removes_the_identity(legal):
    q = "Saya Budi Santoso (0812-3456-7890, budi@example.id, NIK 3275011234567890) ingin tahu aturan helm."
    c = ask(question=q, name="Budi Santoso", email="budi@example.id")
    sikum = legal.u("sikum")
    with pytest.raises(Invalid):
        cons.publish_to_faq(sikum, c.pk)  # not answered yet
    cons.answer(
        sikum, c.pk, text="Pak Budi, helm SNI wajib bagi pengendara dan penumpang (UU 22/2009 Pasal 106)."
    )
    f = cons.publish_to_faq(sikum, c.pk, references="UU 22/2009 Pasal 106")
    text = f.question + f.answer
    for secret in ("Budi", "Santoso", "0812", "3456", "example.id", "3275011234567890"):
        assert secret not in text, secret
    assert "helm" in f.question and f.published and f.consultation_id == c.pk
    with pytest.raises(Conflict):
        cons.publish_to_faq(sikum, c.pk)
    with pytest.raises(Forbidden):
        cons.publish_to_faq(legal.u("commander"), c.pk)
    assert FaqEntry.objects.filter(consultation=c).count() == 1


def test_redact():
    assert cons.redact("hubungi +62 812 3456 7890 atau a.b@x.co.id", "") == "hubungi […] atau […]"
    assert cons.redact("Bu Ani dan Ania", "Ani") == "Bu […] dan Ania"
