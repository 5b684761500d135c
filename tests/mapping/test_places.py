"""Input parsing of the registers: any text is either accepted cleanly or refused with Invalid."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.core.errors import Invalid
from siaga.mapping import places
from tests.core.world import K1

pytestmark = pytest.mark.django_db
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(st.text(max_size=40))
def test_any_rt_key_resolves_or_is_refused(w, key):
    try:
        place = places.resolve(rt_key=key)
    except Invalid as e:
        assert e.field in ("rt_key", "place")
    else:  # only the one RT of K1 exists in the world
        assert place["rt_key"] == f"{K1}/001/001" and place["kelurahan_code"] == K1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=250), max_size=60))
def test_text_lists_are_trimmed_bounded_and_never_empty_items(values):
    try:
        out = places.text_list(values, "parties")
    except Invalid:
        cleaned = [" ".join(v.split()) for v in values]
        assert any(len(v) > 200 for v in cleaned) or sum(1 for v in cleaned if v) > 50
    else:
        assert all(v and v == " ".join(v.split()) and len(v) <= 200 for v in out)
        assert len(out) == sum(1 for v in values if v.split())
