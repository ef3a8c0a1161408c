"""Learning boards at the service layer: who sees what (lists, search, counts, digest,
notifications), sharing and the identifier check, the conversation, moderation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from portal import tenancy
from portal.accounts.models import Membership, Role
from portal.accounts.service import tenant_ids_for
from portal.boards import service
from portal.boards.models import Board, Comment, Reaction, Reflection, ReflectionStatus, Visibility
from portal.common.clock import utcnow
from portal.errors import NotFound, RuleError
from portal.extensions import db as _db
from portal.mail.models import MailMessage
from portal.notifications.models import Notification
from portal.tenants.models import Cohort
from tests.factories import UserFactory
from tests.support import ON_POSTGRES

V = Visibility
CLEAN = "We talked through how the team weighs up a referral. I learned to ask about strengths."
RISKY = "The mother, Kerry Smith, lives at 14 Elm Road, W8 7NX."
NAMES = {
    "participant_a": "Leah Morgan", "partner_manager_a": "Priya Shah",
    "participant_b": "Jack Whitfield", "partner_manager_b": "Tom Okafor",
    "facilitator": "Martin Kowalski", "host_practitioner": "Daniel Osei",
    "service_lead": "Sarah Bennett", "centre_admin": "Grace Adeyemi",
}  # fmt: skip


@pytest.fixture
def boards(world):
    """A cohort board, an internal board for Northbrook, a second Northbrook participant."""
    with tenancy.system_scope():
        for key, name in NAMES.items():
            world[key].name = name
        colleague = UserFactory(role=Role.PARTICIPANT, name="Ama Boateng")
        _db.session.add(Membership(user_id=colleague.id, tenant_id=world.a.id))
        world.users["colleague_a"] = colleague
        cohort = _db.session.get(Cohort, world.a.cohort_id)
        world.cohort_board = service.create_board(
            actor=world["facilitator"], cohort=cohort, tenant=None, title="Joint visits"
        )
        world.internal_board = service.create_board(
            actor=world["facilitator"], cohort=cohort, tenant=world.a, title="Northbrook only"
        )
        _db.session.commit()
        world.cohort_board_id = world.cohort_board.id
    return world


def scope_of(world, key):
    """The scope a person has on their authority's pages (host staff: Northbrook's)."""
    return {world.b.id} if key.endswith("_b") else {world.a.id}


def write(world, *, key="participant_a", visibility=V.COHORT, body=CLEAN, title="Referrals",
          board=None, share=True, confirmed=False, themes="risk, supervision"):  # fmt: skip
    author = world[key]
    tenant = world.b if key.endswith("_b") else world.a
    with tenancy.scoped({tenant.id}):
        reflection = service.start_reflection(
            actor=author, tenant=tenant, board_id=(board or world.cohort_board).id
        )
        service.save_draft(reflection.id, actor=author, title=title, body=body, themes=themes,
                           visibility=visibility)  # fmt: skip
        if share:
            service.share(reflection.id, actor=author, confirmed=confirmed)
        _db.session.commit()
        return reflection.id


def seen_by(world, key, *, query=""):
    """What one person sees on the boards page, in search, and the count."""
    user = world[key]
    tenant = world.b if key.endswith("_b") else world.a
    with tenancy.scoped(scope_of(world, key)):
        board_ids = [b.id for b in service.boards_for(tenant)]
        page = service.search(user=user, board_ids=board_ids, query=query)
        return {r.id for r in page.items}, page.total


EVERYONE = tuple(NAMES) + ("colleague_a",)
EXPECTED = {
    V.PRIVATE: {"participant_a"},
    V.COACH: {"participant_a", "facilitator"},
    V.AUTHORITY: {"participant_a", "colleague_a", "partner_manager_a", "facilitator",
                  "centre_admin"},
    V.COHORT: set(EVERYONE),
}  # fmt: skip


@pytest.mark.parametrize("visibility", list(Visibility))
def test_exactly_the_right_people_see_a_reflection(boards, visibility):
    board = boards.cohort_board
    rid = write(boards, visibility=visibility, board=board, body=CLEAN + " Strengths-based.")
    for key in EVERYONE:
        ids, total = seen_by(boards, key)
        found, _ = seen_by(boards, key, query="strengths")
        should = key in EXPECTED[visibility]
        assert (rid in ids) == should, (visibility, key, "list")
        assert (rid in found) == should, (visibility, key, "search")
        assert total == len(ids), (visibility, key, "count")
        with tenancy.system_scope():
            reflection = _db.session.get(Reflection, rid)
            assert service.can_see(boards[key], reflection, tenant_ids_for(boards[key])) == should


def test_the_database_itself_keeps_unshared_reflections_in_their_authority(boards):
    shared = write(boards, visibility=V.COHORT)
    kept = write(boards, visibility=V.AUTHORITY)
    with tenancy.scoped({boards.b.id}):
        ids = set(_db.session.execute(text("SELECT id FROM reflections")).scalars())
    if ON_POSTGRES:  # straight SQL, past the ORM: row-level security decides
        assert ids == {shared}
    with tenancy.scoped({boards.b.id}):
        orm_ids = set(_db.session.scalars(select(Reflection.id)))
    assert orm_ids == {shared} and kept not in orm_ids


def test_a_cohort_post_with_identifiers_waits_for_a_facilitator(boards):
    with pytest.raises(RuleError, match="Check the highlighted details"):
        write(boards, body=RISKY)
    rid = write(boards, body=RISKY, confirmed=True)
    with tenancy.system_scope():
        reflection = _db.session.get(Reflection, rid)
        assert reflection.status == ReflectionStatus.PENDING
        assert reflection.shared_cohort_id is None and reflection.findings >= 2
    assert rid not in seen_by(boards, "participant_b")[0]
    assert rid not in seen_by(boards, "colleague_a")[0]
    assert rid in seen_by(boards, "facilitator")[0]
    with tenancy.scoped({boards.a.id}):
        waiting, _ = service.moderation_queue()
        assert [r.id for r in waiting] == [rid]
        service.approve(rid, moderator=boards["facilitator"])
        _db.session.commit()
    assert rid in seen_by(boards, "participant_b")[0]


def test_an_authority_post_with_identifiers_is_shared_once_the_author_confirms(boards):
    rid = write(boards, visibility=V.AUTHORITY, body=RISKY, confirmed=True)
    with tenancy.system_scope():
        assert _db.session.get(Reflection, rid).status == ReflectionStatus.PUBLISHED
    assert rid in seen_by(boards, "colleague_a")[0]


def test_editing_a_shared_reflection_takes_it_back_until_shared_again(boards):
    rid = write(boards)
    assert rid in seen_by(boards, "participant_b")[0]
    with tenancy.scoped({boards.a.id}):
        service.save_draft(rid, actor=boards["participant_a"], title="Referrals", body=RISKY,
                           themes="", visibility=V.COHORT)  # fmt: skip
        _db.session.commit()
    assert rid not in seen_by(boards, "participant_b")[0]


def test_an_internal_board_cannot_hold_a_cohort_post(boards):
    with pytest.raises(RuleError, match="internal board"):
        write(boards, board=boards.internal_board, visibility=V.COHORT)


def test_an_archived_board_is_read_only(boards):
    rid = write(boards)
    with tenancy.system_scope():
        board = _db.session.get(Board, boards.cohort_board.id)
        board.archived_at = utcnow()
        _db.session.commit()
    with pytest.raises(RuleError, match="archived"):
        write(boards)
    with tenancy.scoped({boards.b.id}), pytest.raises(RuleError, match="archived"):
        service.add_comment(rid, actor=boards["participant_b"], body="Thank you")
    assert rid in seen_by(boards, "participant_b")[0]  # still readable


def test_comments_mentions_and_reactions_follow_the_reflection(boards):
    rid = write(boards)
    with tenancy.scoped({boards.b.id}):
        service.add_comment(
            rid, actor=boards["participant_b"],
            body="This helped. @Ama Boateng and @Tom Okafor, worth a read.",
        )  # fmt: skip
        assert service.toggle_reaction(rid, actor=boards["participant_b"]) is True
        _db.session.commit()
    with tenancy.system_scope():
        told = set(_db.session.scalars(select(Notification.user_id)))
        comment = _db.session.scalar(select(Comment))
    assert {boards["participant_a"].id, boards["colleague_a"].id,
            boards["partner_manager_b"].id} <= told  # fmt: skip
    assert comment.tenant_id == boards.b.id and comment.shared_cohort_id is not None
    # The author narrows it to their authority: Eastmere's comment and reaction go with it.
    with tenancy.scoped({boards.a.id}):
        service.save_draft(rid, actor=boards["participant_a"], title="Referrals", body=CLEAN,
                           themes="", visibility=V.AUTHORITY)  # fmt: skip
        service.share(rid, actor=boards["participant_a"])
        _db.session.commit()
    with tenancy.system_scope():
        assert _db.session.scalar(select(Comment.shared_cohort_id)) is None
        assert _db.session.scalar(select(Reaction.shared_cohort_id)) is None
    with tenancy.scoped({boards.b.id}), pytest.raises(NotFound):
        service.get_reflection(rid, boards["participant_b"])


def test_mentions_never_reach_someone_who_cannot_see_the_post(boards):
    rid = write(boards, visibility=V.AUTHORITY)
    with tenancy.scoped({boards.a.id}):
        service.add_comment(rid, actor=boards["colleague_a"], body="@Jack Whitfield look")
        _db.session.commit()
    with tenancy.system_scope():
        told = set(_db.session.scalars(select(Notification.user_id)))
    assert boards["participant_b"].id not in told


def test_a_comment_with_identifiers_on_a_shared_post_is_refused(boards):
    rid = write(boards)
    with tenancy.scoped({boards.b.id}), pytest.raises(RuleError, match="Remove details"):
        service.add_comment(rid, actor=boards["participant_b"], body="Is that 14 Elm Road, W8 7NX?")


def test_flag_hide_restore_and_pin(boards):
    rid = write(boards)
    with tenancy.scoped({boards.b.id}):
        service.flag(rid, actor=boards["participant_b"], reason="Could identify the family")
        _db.session.commit()
    with tenancy.scoped({boards.a.id}):
        _, flags = service.moderation_queue()
        assert len(flags) == 1
        service.hide(rid, moderator=boards["facilitator"], reason="Too much detail")
        _db.session.commit()
    assert rid not in seen_by(boards, "participant_b")[0]
    assert rid in seen_by(boards, "participant_a")[0]  # the author still sees it, and why
    with tenancy.scoped({boards.a.id}):
        assert service.moderation_queue()[1] == []  # hiding resolved the flag
        service.restore(rid, moderator=boards["facilitator"])
        service.toggle_pin(rid, moderator=boards["facilitator"])
        _db.session.commit()
    later = write(boards, title="Later")
    ids_in_order = [r for r in seen_by_ordered(boards, "participant_b")]
    assert ids_in_order[:2] == [rid, later]  # pinned first
    with tenancy.scoped({boards.b.id}), pytest.raises(RuleError, match="Only facilitators"):
        service.hide(rid, moderator=boards["participant_b"], reason="x")


def seen_by_ordered(world, key):
    with tenancy.scoped(scope_of(world, key)):
        tenant = world.b if key.endswith("_b") else world.a
        board_ids = [b.id for b in service.boards_for(tenant)]
        return [r.id for r in service.search(user=world[key], board_ids=board_ids).items]


def test_deleting_removes_it_for_everyone_with_its_conversation(boards):
    rid = write(boards)
    with tenancy.scoped({boards.b.id}):
        service.add_comment(rid, actor=boards["participant_b"], body="Thanks")
        service.toggle_reaction(rid, actor=boards["participant_b"])
        _db.session.commit()
    with tenancy.scoped({boards.a.id}):
        service.delete_reflection(rid, actor=boards["participant_a"])
        _db.session.commit()
    with tenancy.system_scope():
        assert _db.session.scalar(select(func.count()).select_from(Reflection)) == 0
        assert _db.session.scalar(select(func.count()).select_from(Comment)) == 0
    with tenancy.scoped({boards.b.id}), pytest.raises(NotFound):
        service.delete_reflection(rid, actor=boards["participant_b"])


def test_only_the_author_can_edit_or_delete(boards):
    rid = write(boards)
    with tenancy.scoped({boards.a.id}), pytest.raises(NotFound):
        service.save_draft(rid, actor=boards["colleague_a"], title="Mine now", body="x",
                           themes="", visibility=V.COHORT)  # fmt: skip


def test_search_filters_and_orders(boards):
    first = write(boards, title="Chairing strategy meetings", body="Chairing well.", themes="risk")
    second = write(boards, title="Home visits", body="Visiting with purpose.", themes="visits")
    with tenancy.scoped({boards.b.id}):
        service.toggle_reaction(first, actor=boards["participant_b"])
        _db.session.commit()
    ids, _ = seen_by(boards, "participant_b", query="chairing")
    assert ids == {first}
    with tenancy.scoped({boards.b.id}):
        board_ids = [b.id for b in service.boards_for(boards.b)]
        by_theme = service.search(user=boards["participant_b"], board_ids=board_ids, theme="visits")
        helpful = service.search(user=boards["participant_b"], board_ids=board_ids, order="helpful")
        newest = service.search(user=boards["participant_b"], board_ids=board_ids)
    assert [r.id for r in by_theme.items] == [second]
    assert [r.id for r in helpful.items] == [first, second]
    assert [r.id for r in newest.items] == [second, first]


def test_the_digest_holds_what_each_person_may_see(boards, app):
    cohort = write(boards, title="For the cohort")
    authority = write(boards, title="Northbrook only", visibility=V.AUTHORITY)
    write(boards, title="Private", visibility=V.PRIVATE)
    expected = {
        "participant_b": {cohort}, "colleague_a": {cohort, authority},
        "participant_a": set(),  # their own are not news to them
    }  # fmt: skip
    for key, ids in expected.items():
        user = boards[key]
        with tenancy.scoped(tenant_ids_for(user)):
            found = {r.id for r in service.digest_for(user, utcnow() - timedelta(days=7))}
        assert found == ids, key
    with app.test_request_context():
        assert service.send_digest(boards["participant_b"].id) == 1
        with tenancy.system_scope():
            service.set_digest(boards["colleague_a"], False)
            _db.session.commit()
        assert service.send_digest(boards["colleague_a"].id) == 0
        _db.session.commit()
    with tenancy.system_scope():
        mail = _db.session.scalars(select(MailMessage).where(MailMessage.kind == "digest")).all()
    assert [m.recipient for m in mail] == [boards["participant_b"].email]
    assert "For the cohort" in mail[0].body_text and "Northbrook only" not in mail[0].body_text


def test_the_weekly_run_is_scheduled_once_and_fans_out(boards):
    from portal.jobs.models import OutboxMessage

    assert service.schedule_weekly_digest() is True
    assert service.schedule_weekly_digest() is False
    _db.session.commit()
    run_at = service.next_digest_time()
    assert run_at.astimezone(service.LONDON).strftime("%A %H:%M") == "Monday 08:00"
    service.fan_out_digests()
    _db.session.commit()
    with tenancy.system_scope():
        jobs = _db.session.scalars(select(OutboxMessage.job)).all()
    assert jobs.count("boards.digest") == len(EVERYONE)
