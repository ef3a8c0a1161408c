"""Learning boards, two security findings held shut.

- Every text a reflection's readers see (title, body, themes, comments) goes through the
  identifier check, and a change to any of a reflection's takes it back to a draft, to be
  checked (and, cohort-wide with findings, approved) again.
- Moderation loads what it acts on by the pages' visibility rule: what a moderator cannot
  see is not found (a 404), in the service as on the pages; only a shared post is pinned.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Enum, String, select

from portal import tenancy
from portal.boards import service
from portal.boards.models import (
    Comment,
    CommentModeration,
    Flag,
    FlagResolution,
    Reflection,
    ReflectionModeration,
    ReflectionStatus,
    Visibility,
)
from portal.errors import NotFound, RuleError
from portal.extensions import db as _db
from tests.test_boards import CLEAN, RISKY, seen_by, write
from tests.test_boards import boards as boards  # noqa: F401 - the fixture

V = Visibility
R = ReflectionStatus
IDENTIFYING_THEMES = "Kerry Smith, 14 Elm Road W8 7NX, NHS 943 476 5919"


def _status(rid: int) -> ReflectionStatus:
    with tenancy.system_scope():
        _db.session.expire_all()
        return _db.session.get(Reflection, rid).status


def _resave(boards, rid, *, themes, visibility=V.COHORT, title="Referrals", body=CLEAN):
    with tenancy.scoped({boards.a.id}):
        service.save_draft(rid, actor=boards["participant_a"], title=title, body=body,
                           themes=themes, visibility=visibility)  # fmt: skip
        _db.session.commit()


# --- Finding 8: every shared text is checked, and a change to any is a change --------------------


def test_changing_only_the_themes_of_a_shared_reflection_takes_it_back(boards):
    rid = write(boards)
    assert rid in seen_by(boards, "participant_b")[0]
    _resave(boards, rid, themes=IDENTIFYING_THEMES)
    assert _status(rid) == R.DRAFT, "a themes-only edit left the reflection shared"
    assert rid not in seen_by(boards, "participant_b")[0]


def test_identifiers_in_the_themes_are_found_and_a_cohort_post_waits(boards):
    rid = write(boards, share=False, themes=IDENTIFYING_THEMES)
    author = boards["participant_a"]
    with tenancy.scoped({boards.a.id}):
        check = service.check_for_sharing(service.own_reflection(rid, author))
        kinds = {f.kind for f in check.findings}
        assert {"postcode", "nhs_number"} <= kinds, f"the themes were not checked: {kinds}"
        assert check.waits and not check.title and not check.body
        assert service.share(rid, actor=author).status == R.PENDING
        _db.session.commit()
    assert rid not in seen_by(boards, "participant_b")[0]
    assert rid in seen_by(boards, "facilitator")[0]


def test_a_theme_that_names_someone_is_found(boards):
    rid = write(boards, share=False, themes="the mother Kerry, supervision")
    with tenancy.scoped({boards.a.id}):
        check = service.check_for_sharing(service.own_reflection(rid, boards["participant_a"]))
    assert [f.text for f in check.findings] == ["Kerry"]


def test_ordinary_themes_find_nothing(boards):
    rid = write(boards, share=False, themes="Risk, home visits, MASH, strengths-based, S47")
    with tenancy.scoped({boards.a.id}):
        check = service.check_for_sharing(service.own_reflection(rid, boards["participant_a"]))
    assert check.findings == []


def test_the_autosave_of_the_themes_alone_takes_a_shared_post_back(boards, login_as):
    """The finding as reported: a published cohort post, an autosave that changes only the
    themes, and the other authority reading them."""
    rid = write(boards)
    author = login_as(boards["participant_a"])
    saved = author.post(
        f"/northbrook/reflections/{rid}/autosave",
        data={"title": "Referrals", "body": CLEAN, "themes": IDENTIFYING_THEMES,
              "visibility": "cohort"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert "Draft saved at" in saved.get_data(as_text=True)
    reader = login_as(boards["participant_b"])
    assert reader.get(f"/eastmere/reflections/{rid}").status_code == 404
    search = reader.get("/eastmere/boards/search").get_data(as_text=True)
    assert "kerry" not in search.lower() and "943-476" not in search
    check = author.get(f"/northbrook/reflections/{rid}/share").get_data(as_text=True)
    assert "They are highlighted below" in check
    assert '<mark class="portal-finding">W8 7NX</mark>' in check


def test_every_text_column_of_a_reflection_is_listed_as_shared_text():
    """A new text column is either in the one list the change test and the check read, or
    named here as not something readers see."""
    from portal.boards.texts import SHARED_TEXT

    not_words = {"template"}  # a key of writing.TEMPLATES, never shown as written
    texts = {
        column.name
        for column in Reflection.__table__.columns
        if isinstance(column.type, String) and not isinstance(column.type, Enum)
    }
    assert texts - not_words == set(SHARED_TEXT)


def test_a_comment_is_checked_even_on_a_private_reflection(boards):
    """A private reflection's comments go with it when it is shared more widely later."""
    rid = write(boards, visibility=V.PRIVATE)
    author = boards["participant_a"]
    with tenancy.scoped({boards.a.id}), pytest.raises(RuleError, match="Remove details"):
        service.add_comment(rid, actor=author, body=RISKY)


# --- Finding 9: moderation acts only on what the moderator can see ------------------------------


def _pinned(rid: int) -> bool:
    _db.session.expire_all()
    moderation = _db.session.get(ReflectionModeration, rid)
    return moderation is not None and moderation.pinned_at is not None


def _hidden_by_facilitator(boards, rid):
    with tenancy.scoped({boards.a.id}):
        service.hide(rid, moderator=boards["facilitator"], reason="Too much detail")
        _db.session.commit()


@pytest.mark.parametrize(
    ("case", "refused"),
    [
        ("private", NotFound),
        ("draft", NotFound),
        ("pending", RuleError),
        ("hidden", RuleError),
        ("coach", RuleError),
    ],
)
def test_only_a_shared_post_can_be_pinned(boards, case, refused):
    rid = {
        "private": lambda: write(boards, visibility=V.PRIVATE),
        "draft": lambda: write(boards, share=False),
        "pending": lambda: write(boards, body=RISKY, confirmed=True),
        "hidden": lambda: write(boards),
        "coach": lambda: write(boards, visibility=V.COACH),
    }[case]()
    if case == "hidden":
        _hidden_by_facilitator(boards, rid)
    with tenancy.scoped({boards.a.id}):
        with pytest.raises(refused):
            service.toggle_pin(rid, moderator=boards["facilitator"], on=True)
        _db.session.rollback()
    assert not _pinned(rid), f"a {case} reflection was pinned"


@pytest.mark.parametrize("visibility", [V.AUTHORITY, V.COHORT])
def test_a_shared_post_is_pinned_and_unpinned(boards, visibility):
    rid = write(boards, visibility=visibility)
    with tenancy.scoped({boards.a.id}):
        service.toggle_pin(rid, moderator=boards["facilitator"], on=True)
        _db.session.commit()
        assert _pinned(rid)
        service.toggle_pin(rid, moderator=boards["facilitator"], on=False)
        _db.session.commit()
        assert not _pinned(rid)


@pytest.mark.parametrize("action", ["pin", "unpin", "hide", "restore", "approve"])
def test_an_admin_cannot_moderate_a_coach_only_post_they_cannot_see(boards, action):
    rid = write(boards, visibility=V.COACH)
    _hidden_by_facilitator(boards, rid)
    admin = boards["centre_admin"]
    act = {
        "pin": lambda: service.toggle_pin(rid, moderator=admin, on=True),
        "unpin": lambda: service.toggle_pin(rid, moderator=admin, on=False),
        "hide": lambda: service.hide(rid, moderator=admin, reason="x"),
        "restore": lambda: service.restore(rid, moderator=admin),
        "approve": lambda: service.approve(rid, moderator=admin),
    }[action]
    with tenancy.scoped({boards.a.id, boards.b.id}):
        with pytest.raises(NotFound):
            service.get_reflection(rid, admin)
        with pytest.raises(NotFound):
            act()
        _db.session.rollback()
    with tenancy.system_scope():
        moderation = _db.session.get(ReflectionModeration, rid)
        assert moderation.hidden_at is not None and moderation.pinned_at is None


def _flagged_comment_then_narrowed(boards, visibility):
    """A cohort post with a colleague's comment, flagged; then its author narrows it."""
    rid = write(boards)
    with tenancy.scoped({boards.a.id}):
        comment = service.add_comment(rid, actor=boards["colleague_a"], body="Thanks")
        flag = service.flag(rid, actor=boards["colleague_a"], reason="Unkind",
                            comment_id=comment.id)  # fmt: skip
        _db.session.commit()
        comment_id, flag_id = comment.id, flag.id
    _resave(boards, rid, themes="risk, supervision", visibility=visibility, body=CLEAN + " More.")
    if visibility != V.COHORT:
        with tenancy.scoped({boards.a.id}):
            service.share(rid, actor=boards["participant_a"])
            _db.session.commit()
    return rid, comment_id, flag_id


def _moderators(boards):
    return [
        (boards["facilitator"], {boards.a.id}),
        (boards["centre_admin"], {boards.a.id, boards.b.id}),
    ]


@pytest.mark.parametrize("visibility", [V.PRIVATE, V.COHORT])  # private, or back to a draft
def test_a_comment_on_a_post_the_moderator_cannot_see_is_not_found(boards, visibility):
    rid, comment_id, _ = _flagged_comment_then_narrowed(boards, visibility)
    for moderator, scope in _moderators(boards):
        with tenancy.scoped(scope):
            with pytest.raises(NotFound):
                service.get_reflection(rid, moderator)
            with pytest.raises(NotFound):
                service.hide_comment(comment_id, moderator=moderator, reason="Unkind")
            _db.session.rollback()
    assert _db.session.get(CommentModeration, comment_id) is None, "the comment was hidden"


@pytest.mark.parametrize("visibility", [V.PRIVATE, V.COHORT])
def test_a_flag_on_a_post_the_moderator_cannot_see_is_not_found(boards, visibility):
    rid, _, flag_id = _flagged_comment_then_narrowed(boards, visibility)
    for moderator, scope in _moderators(boards):
        with tenancy.scoped(scope):
            with pytest.raises(NotFound):
                service.dismiss_flag(flag_id, moderator=moderator)
            _db.session.rollback()
    assert _db.session.get(FlagResolution, flag_id) is None, "the flag was dismissed"


@pytest.mark.parametrize("visibility", [V.PRIVATE, V.COHORT])
def test_the_queue_leaves_out_flags_on_a_post_the_moderator_cannot_see(boards, visibility):
    _, _, flag_id = _flagged_comment_then_narrowed(boards, visibility)
    for moderator, scope in _moderators(boards):
        with tenancy.scoped(scope):
            _, flags = service.moderation_queue(moderator)
            assert flag_id not in {f.id for f in flags}, moderator.role


def test_the_moderation_page_does_not_show_a_flag_it_cannot_act_on(boards, login_as):
    _flagged_comment_then_narrowed(boards, V.PRIVATE)
    page = login_as(boards["facilitator"]).get("/host/moderation")
    assert page.status_code == 200
    assert "Unkind" not in page.text and "Thanks" not in page.text  # the flag, the comment


def test_comments_and_flags_on_a_post_the_moderator_sees_are_still_moderated(boards):
    rid = write(boards)
    with tenancy.scoped({boards.a.id}):
        comment = service.add_comment(rid, actor=boards["colleague_a"], body="Thanks")
        flag = service.flag(rid, actor=boards["colleague_a"], reason="Check")
        service.hide_comment(comment.id, moderator=boards["facilitator"], reason="Unkind")
        service.dismiss_flag(flag.id, moderator=boards["facilitator"])
        _db.session.commit()
        comment_id, flag_id = comment.id, flag.id
    assert _db.session.get(CommentModeration, comment_id) is not None
    assert _db.session.get(FlagResolution, flag_id) is not None


def test_the_moderation_pages_answer_404_for_what_the_moderator_cannot_see(boards, login_as):
    coach = write(boards, visibility=V.COACH)
    _hidden_by_facilitator(boards, coach)
    rid, comment_id, flag_id = _flagged_comment_then_narrowed(boards, V.PRIVATE)
    admin = login_as(boards["centre_admin"])
    assert admin.get(f"/host/reflections/{coach}").status_code == 404
    for url, data in (
        (f"/host/reflections/{coach}/pin", {"pinned": "on"}),
        (f"/host/reflections/{coach}/restore", {}),
        (f"/host/reflections/{coach}/approve", {}),
        (f"/host/reflections/{coach}/hide", {"reason": "x"}),
        (f"/host/comments/{comment_id}/hide", {"reason": "Unkind"}),
        (f"/host/flags/{flag_id}/dismiss", {}),
    ):
        assert admin.post(url, data=data).status_code == 404, url
    facilitator = login_as(boards["facilitator"])
    for url, data in (
        (f"/host/reflections/{rid}/pin", {"pinned": "on"}),
        (f"/host/comments/{comment_id}/hide", {"reason": "Unkind"}),
        (f"/host/flags/{flag_id}/dismiss", {}),
    ):
        assert facilitator.post(url, data=data).status_code == 404, url
    assert _db.session.get(CommentModeration, comment_id) is None
    assert _db.session.get(FlagResolution, flag_id) is None
    with tenancy.system_scope():
        assert _db.session.scalar(select(Flag.id).where(Flag.id == flag_id)) == flag_id
        assert _db.session.scalar(select(Comment.id).where(Comment.id == comment_id))


def test_pinning_a_waiting_post_through_the_page_is_refused(boards, login_as):
    rid = write(boards, body=RISKY, confirmed=True)
    facilitator = login_as(boards["facilitator"])
    answer = facilitator.post(f"/host/reflections/{rid}/pin", data={"pinned": "on"})
    assert answer.status_code == 302
    assert not _pinned(rid), "a post waiting for approval was pinned"
    queue = facilitator.get("/host/moderation").get_data(as_text=True)
    assert "Only shared reflections can be pinned" in queue
