"""The hash-chained audit trail: `siaga audit verify` passes an intact chain and names the first bad row
after an edit, a deletion (middle or newest) or a reordering; a rolled-back write leaves no trace."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from siaga import cli
from siaga.accounts import services as accounts
from siaga.accounts.models import User
from siaga.core import audit, events
from siaga.core.events import Event, publish
from siaga.core.models import AuditEntry, AuditHead

pytestmark = pytest.mark.django_db


def write(n: int = 5) -> None:
    """Append n rows the way the application does: services publishing events in a transaction."""
    accounts.create_user("auditee", "a-long-passphrase-9", "citizen")  # a real service write
    for i in range(n - 1):
        with transaction.atomic():
            publish(Event("test.thing.changed", "test.thing", i, before={"v": i}, after={"v": i + 1}))


def run_verify() -> tuple[int, str]:
    """`siaga audit verify` through call_command: (exit code, output)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
    except SystemExit as e:
        return int(e.code or 0), out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def cli_exit_code() -> int:
    """The same check through the `siaga` console entry point, in this process (no subprocess)."""
    try:
        cli.main(["audit", "verify"])
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def test_intact_chain_verifies():
    write(5)
    assert AuditEntry.objects.count() == 5
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == [1, 2, 3, 4, 5]
    code, out = run_verify()
    assert code == 0 and "5 rows verified" in out
    assert audit.verify().ok


@pytest.mark.django_db(transaction=True)  # the console entry point closes the connections when done
def test_siaga_audit_verify_console_command():
    write(3)
    assert cli_exit_code() == 0
    AuditEntry.objects.filter(seq=2).update(after={"v": 999})
    assert cli_exit_code() == 1


def test_empty_chain_verifies():
    assert run_verify()[0] == 0


def test_verify_detects_edit():
    write(5)
    AuditEntry.objects.filter(seq=3).update(after={"v": 999})
    result = audit.verify()
    assert result.broken.seq == 3 and "hash" in result.broken.reason
    assert result.checked == 2
    code, out = run_verify()
    assert code == 1 and "BROKEN at row 3" in out


def test_verify_detects_edit_with_recomputed_hash():
    """Rewriting a row's hash to match its new content breaks the next row's link instead."""
    write(5)
    e = AuditEntry.objects.get(seq=3)
    e.after = {"v": 999}
    AuditEntry.objects.filter(seq=3).update(after=e.after, hash=audit._digest(audit._fields(e)))
    assert audit.verify().broken.seq == 4


def test_verify_detects_deletion():
    write(5)
    AuditEntry.objects.filter(seq=3).delete()
    result = audit.verify()
    assert result.broken.seq == 3 and "missing" in result.broken.reason
    code, out = run_verify()
    assert code == 1 and "BROKEN at row 3" in out


def test_verify_detects_deletion_of_the_newest_row():
    write(5)
    AuditEntry.objects.filter(seq=5).delete()
    result = audit.verify()  # rows 1-4 link fine: only the head (last_seq=5) shows the loss
    assert result.broken.seq == 5 and "head says 5" in result.broken.reason
    assert run_verify()[0] == 1


def test_verify_detects_deletion_of_the_newest_row_and_the_head():
    write(5)
    AuditEntry.objects.filter(seq=5).delete()
    AuditHead.objects.all().delete()
    result = audit.verify()  # with no head, a non-empty chain cannot be vouched for
    assert result.broken.seq == 5 and "head says 0" in result.broken.reason


def test_verify_detects_reordering():
    write(5)
    # swap the seq of rows 2 and 4 (through a free value: seq is unique)
    AuditEntry.objects.filter(seq=2).update(seq=-2)
    AuditEntry.objects.filter(seq=4).update(seq=2)
    AuditEntry.objects.filter(seq=-2).update(seq=4)
    result = audit.verify()
    assert result.broken.seq == 2 and "link" in result.broken.reason
    code, out = run_verify()
    assert code == 1 and "BROKEN at row 2" in out


@pytest.mark.parametrize("seq", [0, -7])
def test_verify_detects_a_row_slipped_in_below_the_chain(seq):
    """Bug fixed: verify started at seq 1 and never read rows with seq 0 or below."""
    write(3)
    forged = AuditEntry.objects.get(seq=2)
    forged.pk, forged.seq = None, seq
    forged.save()
    result = audit.verify()
    assert result.broken.seq == seq and "outside the chain" in result.broken.reason


def test_verify_detects_a_forged_row_appended_without_the_head():
    write(3)
    last = AuditEntry.objects.get(seq=3)
    forged = AuditEntry(**{f.name: getattr(last, f.name) for f in AuditEntry._meta.fields if f.name != "id"})
    forged.seq, forged.prev_hash, forged.after = 4, last.hash, {"forged": True}
    forged.hash = audit._digest(audit._fields(forged))  # a well-formed link...
    forged.save()
    result = audit.verify()  # ...that the head does not know about
    assert result.broken.seq == 5 and "head says 3" in result.broken.reason


@pytest.mark.django_db(transaction=True)
def test_append_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        audit.append("test.outside")


def test_rows_record_actor_request_and_polres(system):
    user = accounts.create_user("someone", "a-long-passphrase-9", "citizen")
    e = AuditEntry.objects.get(action="accounts.user.created")
    assert e.actor_label == "system" and e.actor_id is None and e.request_id
    assert e.object_id == str(user.pk) and e.after["username"] == "someone"
    assert "password" not in e.after


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**62), max_value=2**62)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(after=json_values)
@example(after={"big": 1e16, "tiny": 1.5e-7, "one": 1.0, "nan": float("nan"), "nul": "a\x00b"})
def test_any_json_value_round_trips_through_the_database_and_verifies(after):
    """What a service stores in before/after hashes the same once read back (SQLite JSON, jsonb)."""
    with transaction.atomic():
        publish(Event("test.json", "test.thing", 1, after=after))
    assert audit.verify().ok


# --- rollback: no audit row, no event after commit -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_rollback_leaves_no_audit_row_and_delivers_no_event():
    heard: list[str] = []

    def listener(event):
        heard.append(event.name)

    events.subscribe("accounts.*", phase="after_commit")(listener)
    try:
        accounts.create_user("kept", "a-long-passphrase-9", "citizen")
        assert heard == ["accounts.user.created"]
        head_before = AuditHead.objects.get(id=1).last_seq
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            accounts.create_user("rolled-back", "a-long-passphrase-9", "citizen")
            assert AuditEntry.objects.count() == 2  # written inside the transaction...
            raise ZeroDivisionError
        assert not User.objects.filter(username="rolled-back").exists()
        assert AuditEntry.objects.count() == 1  # ...and gone with it
        assert AuditHead.objects.get(id=1).last_seq == head_before
        assert heard == ["accounts.user.created"]  # nothing delivered for the rolled-back write
        assert audit.verify().ok
    finally:
        events.unsubscribe(listener)
