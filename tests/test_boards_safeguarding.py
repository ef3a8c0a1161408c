"""Safeguarding on the boards (issue 13, point 8): a hidden post comes back only through
a facilitator, new posts start narrow, the facilitator sees what the check found, and
nobody has to vouch for a post a facilitator will check anyway."""

from __future__ import annotations

from datetime import timedelta

from portal import tenancy
from portal.boards import service
from portal.boards.models import Reflection, Visibility
from portal.common.clock import move_clock
from portal.errors import RuleError
from portal.extensions import db
from portal.notifications.models import Notification
from tests.test_boards import CLEAN, RISKY, seen_by, write
from tests.test_boards import boards as boards  # noqa: F401 - the fixture

V = Visibility


def hide(boards, rid, reason="Too much detail"):
    with tenancy.scoped({boards.a.id}):
        service.hide(rid, moderator=boards["facilitator"], reason=reason)
        db.session.commit()


def edit_and_share(boards, rid, body, *, confirmed=False):
    move_clock(timedelta(minutes=5))
    author = boards["participant_a"]
    with tenancy.scoped({boards.a.id}):
        service.save_draft(rid, actor=author, title="Referrals", body=body, themes="",
                           visibility=V.COHORT)  # fmt: skip
        service.share(rid, actor=author, confirmed=confirmed)
        db.session.commit()


def test_a_hidden_post_edited_and_shared_again_stays_hidden_until_a_facilitator_looks(boards):
    rid = write(boards)
    hide(boards, rid)

    edit_and_share(boards, rid, CLEAN + " Without the details now.")

    assert rid not in seen_by(boards, "participant_b")[0]
    assert rid not in seen_by(boards, "colleague_a")[0]
    with tenancy.scoped({boards.a.id}):
        waiting, _ = service.moderation_queue(boards["facilitator"])
        assert [r.id for r in waiting] == [rid]
        told = db.session.scalars(
            db.select(Notification.text).where(Notification.user_id == boards["facilitator"].id)
        ).all()
        assert any("hidden reflection was changed" in text for text in told)
        service.restore(rid, moderator=boards["facilitator"])
        db.session.commit()
    assert rid in seen_by(boards, "participant_b")[0]
    with tenancy.scoped({boards.a.id}):
        assert service.moderation_queue(boards["facilitator"])[0] == []


def test_a_hidden_post_is_not_on_the_queue_until_its_author_changes_it(boards):
    rid = write(boards)
    hide(boards, rid)
    with tenancy.scoped({boards.a.id}):
        assert service.moderation_queue(boards["facilitator"])[0] == []


def test_a_new_reflection_starts_seen_by_its_author_only(boards, login_as):
    author = login_as(boards["participant_a"])
    with tenancy.scoped({boards.a.id}):
        draft = service.start_reflection(
            actor=boards["participant_a"], tenant=boards.a, board_id=boards.cohort_board_id
        )
        db.session.commit()
        assert draft.visibility == V.PRIVATE
    page = author.get(f"/northbrook/reflections/{draft.id}/edit").text
    checked = page.split('value="private"')[1].split(">")[0]
    assert "checked" in checked


def test_a_cohort_post_with_findings_goes_to_a_facilitator_without_the_authors_tick(boards):
    rid = write(boards, body=RISKY, confirmed=False)
    with tenancy.system_scope():
        assert db.session.get(Reflection, rid).status.value == "pending"


def test_an_authority_post_with_findings_still_needs_the_authors_tick(boards):
    try:
        write(boards, visibility=V.AUTHORITY, body=RISKY, confirmed=False)
    except RuleError as refused:
        assert refused.field == "confirmed"
    else:
        raise AssertionError("shared without the author confirming the findings")


def test_the_facilitator_sees_what_the_check_highlighted_and_a_clear_approve(boards, login_as):
    rid = write(boards, body=RISKY)
    host = login_as(boards["facilitator"])

    page = host.get(f"/host/reflections/{rid}").text

    assert "What the identifier check highlighted to the author" in page
    assert '<mark class="portal-finding">14 Elm Road</mark>' in page
    assert "Approve: share with the whole cohort" in page


def test_the_share_page_says_what_each_button_does(boards, login_as):
    author = login_as(boards["participant_a"])
    waiting = write(boards, body=RISKY, share=False)
    authority = write(boards, visibility=V.AUTHORITY, share=False)

    assert (
        "Send to a facilitator to check"
        in author.get(f"/northbrook/reflections/{waiting}/share").text
    )
    page = author.get(f"/northbrook/reflections/{authority}/share").text
    assert "Share with my authority" in page
    assert "I have checked these details" not in page


def test_the_cohorts_own_people_are_colleagues_but_a_child_named_alone_is_found(boards):
    """Issue 14: the check knows the portal's people. Another authority's participant in
    the same cohort, named in full, is a colleague; a child named on their own, as the
    subject of "told us", is a finding."""
    with tenancy.system_scope():
        boards["participant_b"].name = colleague = "Jack Whitfield"  # "Jack": a common name
        db.session.commit()
    body = f"{colleague} and I went on the joint visit. Ayodele told us she sleeps on the sofa."
    reflection_id = write(boards, body=body, share=False)
    with tenancy.scoped({boards.a.id}):
        reflection = db.session.get(Reflection, reflection_id)
        found = service.check_for_sharing(reflection).found["body"]
    assert [f.text for f in found] == ["Ayodele"]
