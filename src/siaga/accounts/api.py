from ninja import Router, Schema

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    role: str
    role_label: str
    polda_id: int | None
    polres_id: int | None
    polsek_id: int | None
    kelurahan_code: str
    scope: str


@router.get("/me", response=MeOut, summary="The signed-in user, role and jurisdiction")
def me(request):
    u = request.user
    return MeOut(
        username=u.username,
        role=u.role,
        role_label=str(u.get_role_display()),
        polda_id=u.polda_id,
        polres_id=u.polres_id,
        polsek_id=u.polsek_id,
        kelurahan_code=u.kelurahan_code,
        scope=u.scope_label,
    )
