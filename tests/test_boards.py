"""Learning boards at the service layer: who sees what (lists, search, counts, digest,
notifications), sharing and the identifier check, the conversation, moderation."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from portal import tenancy
from portal.accounts.models import Membership, Role
from portal.accounts.service import tenant_ids_for
from portal.boards import service
from portal.boards.models import Board, Comment, Reaction, Reflection, ReflectionStatus, Visibility
from portal.common.clock import LONDON, utcnow
from portal.errors import NotFound, RuleError
from portal.extensions import db as _db
from portal.mail.models import MailMessage
from portal.notifications.models import Notification
from portal.tenants.models import Cohort
from tests.factories import TenantFactory, UserFactory
from tests.support import ON_POSTGRES, PG_URL

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
    rid = write(boards, body=RISKY)  # a facilitator checks it: the author need not vouch
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


def test_a_word_search_pages_newest_first_with_the_pins_ahead(boards):
    """Sorted on ids, then loaded a page at a time (search.py _sorted_then_loaded): the
    order, the pins and the pages are what the one-query search gave."""
    found = [write(boards, title=f"Genogram {i}", body="We drew a genogram.") for i in range(23)]
    write(boards, title="Something else")
    with tenancy.scoped({boards.a.id}):
        service.toggle_pin(found[0], moderator=boards["facilitator"])
        _db.session.commit()
    with tenancy.scoped(scope_of(boards, "participant_b")):
        board_ids = [b.id for b in service.boards_for(boards.b)]
        ask = dict(user=boards["participant_b"], board_ids=board_ids, query="genogram")
        first, second = service.search(**ask), service.search(**ask, page=2)
        assert [r.id for r in first.items] == [found[0], *reversed(found[3:])]
        assert [r.id for r in second.items] == [found[2], found[1]]
        assert (first.total, first.has_next, second.has_next) == (23, True, False)
        assert all(r.author.name and r.board.title for r in first.items)  # loaded with them


def test_deleting_removes_it_for_everyone_with_its_conversation(boards):
    from portal.boards.models import CommentModeration, Flag, FlagResolution, ReflectionModeration

    rid = write(boards)
    with tenancy.scoped({boards.b.id}):
        comment = service.add_comment(rid, actor=boards["participant_b"], body="Thanks")
        service.toggle_reaction(rid, actor=boards["participant_b"])
        service.flag(rid, actor=boards["participant_b"], reason="Check", comment_id=comment.id)
        _db.session.commit()
        comment_id = comment.id
    with tenancy.scoped({boards.a.id}):
        service.flag(rid, actor=boards["participant_a"], reason="Check")
        service.hide_comment(comment_id, moderator=boards["facilitator"], reason="Unkind")
        service.toggle_pin(rid, moderator=boards["facilitator"])
        _db.session.commit()
        service.delete_reflection(rid, actor=boards["participant_a"])
        _db.session.commit()
    with tenancy.system_scope():
        for model in (Reflection, Comment, Reaction, Flag):
            assert _db.session.scalar(select(func.count()).select_from(model)) == 0, model
    for model in (ReflectionModeration, CommentModeration, FlagResolution):  # the host's
        assert _db.session.scalar(select(func.count()).select_from(model)) == 0, model
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


def test_an_edit_changes_what_search_finds(boards):
    rid = write(boards, title="Referrals", body="We used a genogram.")
    assert seen_by(boards, "participant_b", query="genogram")[0] == {rid}
    with tenancy.scoped({boards.a.id}):
        service.save_draft(rid, actor=boards["participant_a"], title="Referrals",
                           body="We drew an ecomap.", themes="", visibility=V.COHORT)  # fmt: skip
        service.share(rid, actor=boards["participant_a"])
        _db.session.commit()
    assert seen_by(boards, "participant_a", query="genogram")[0] == set()
    assert seen_by(boards, "participant_a", query="ecomap")[0] == {rid}


def _search_statements(boards, query: str) -> list[tuple[str, dict]]:
    """The SQL one search sends (participant B's), with its parameters."""
    sent = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    sqlalchemy_event.listen(_db.engine, "before_cursor_execute", remember)
    try:
        seen_by(boards, "participant_b", query=query)
    finally:
        sqlalchemy_event.remove(_db.engine, "before_cursor_execute", remember)
    return [(sql, params) for sql, params in sent if "portal_matching_reflections" in sql]


@pytest.mark.skipif(not ON_POSTGRES, reason="the plans of PostgreSQL's search")
def test_search_uses_its_index_under_row_level_security(app, boards):
    write(boards, title="Chairing strategy meetings", body="Chairing well.")
    statement, params = _search_statements(boards, "chairing")[0]
    with tenancy.scoped({boards.b.id}):  # as the application's role, under the policies
        _db.session.execute(text("SET LOCAL enable_seqscan = off"))  # tables this small
        cursor = _db.session.connection().connection.cursor()
        cursor.execute("EXPLAIN " + statement, params)
        outer = "\n".join(row[0] for row in cursor.fetchall())
        _db.session.rollback()
    # The ids come from the function, and the reflections' own policy still applies.
    assert "Function Scan on portal_matching_reflections" in outer, outer
    assert "tenant_id = ANY" in outer, outer
    # Inside the function (its owner's rights, no policy on the words table) the match
    # is an index condition, which it could never be on reflections under RLS.
    owner = create_engine(app.config["MIGRATION_DATABASE_URI"], poolclass=NullPool)
    with owner.begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        inner = "\n".join(conn.scalars(text(
            "EXPLAIN SELECT reflection_id FROM reflection_search "
            "WHERE document @@ websearch_to_tsquery('english', 'chairing')"
        )))  # fmt: skip
    owner.dispose()
    assert "Bitmap Index Scan on ix_reflection_search_document" in inner, inner


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's words table")
def test_the_words_table_is_reached_only_through_the_scoped_function(boards):
    private = write(boards, title="Chairing alone", body="Chairing notes.", visibility=V.PRIVATE)
    with tenancy.scoped({boards.b.id}):
        with pytest.raises(DBAPIError, match="permission denied"):
            _db.session.execute(text("SELECT count(*) FROM reflection_search")).scalar()
        _db.session.rollback()
    with tenancy.scoped({boards.b.id}):
        theirs = _db.session.scalars(text("SELECT portal_matching_reflections('chairing')")).all()
        _db.session.rollback()
    with tenancy.scoped({boards.a.id}):
        own = _db.session.scalars(text("SELECT portal_matching_reflections('chairing')")).all()
        _db.session.rollback()
    assert private in own
    assert private not in theirs  # another authority's unshared row is out of its scope


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
    assert run_at.astimezone(LONDON).strftime("%A %H:%M") == "Monday 08:00"
    service.fan_out_digests()
    _db.session.commit()
    with tenancy.system_scope():
        jobs = _db.session.scalars(select(OutboxMessage.job)).all()
    assert jobs.count("boards.digest") == len(EVERYONE)


# --- Moderation is the host's: decisions are host rows, never writes to an authority's --------


def test_a_facilitator_moderates_a_post_from_an_authority_outside_their_scope(boards):
    """Facilitators here work with Northbrook only. Eastmere's cohort-wide post is in their
    reach because it is shared; hiding it, its comment, and dismissing a flag write only
    the host's moderation rows, so Eastmere's rows are never written from Northbrook's scope."""
    facilitator = boards["facilitator"]
    rid = write(boards, key="participant_b", title="Eastmere's post")
    with tenancy.scoped({boards.b.id}):
        comment_id = service.add_comment(rid, actor=boards["partner_manager_b"], body="Thanks").id
        _db.session.commit()
    with tenancy.scoped({boards.a.id}):
        flag_id = service.flag(rid, actor=boards["participant_a"], reason="Names the school").id
        _db.session.commit()
    with tenancy.scoped({boards.b.id}):
        on_comment = service.flag(
            rid, actor=boards["participant_b"], reason="Unkind", comment_id=comment_id
        ).id
        _db.session.commit()
    with tenancy.scoped({boards.a.id}):
        assert {f.id for f in service.moderation_queue()[1]} == {flag_id, on_comment}
        service.hide_comment(comment_id, moderator=facilitator, reason="Unkind")
        service.dismiss_flag(on_comment, moderator=facilitator)
        service.hide(rid, moderator=facilitator, reason="It names the school")
        _db.session.commit()
        assert service.moderation_queue()[1] == []  # hiding resolved the other flag
    assert rid not in seen_by(boards, "participant_a")[0]
    assert rid not in seen_by(boards, "partner_manager_b")[0]
    assert rid in seen_by(boards, "participant_b")[0]  # the author still sees it, and why
    with tenancy.system_scope():
        reflection = _db.session.get(Reflection, rid)
        # Eastmere's row is as its author left it; the decision is the host's row.
        assert reflection.status == ReflectionStatus.PUBLISHED
        assert reflection.shared_cohort_id == boards.b.cohort_id
        assert reflection.hidden_reason == "It names the school"
        assert service.comment_counts([rid]) == {}  # the hidden comment is not counted
        told = _db.session.scalars(
            select(Notification).where(Notification.user_id == boards["participant_b"].id)
        ).all()
    assert [n.tenant_id for n in told if "hid your reflection" in n.text] == [boards.b.id]
    with tenancy.scoped({boards.a.id}):
        service.restore(rid, moderator=facilitator)
        service.toggle_pin(rid, moderator=facilitator)
        _db.session.commit()
    later = write(boards, title="Later")
    assert seen_by_ordered(boards, "participant_a")[:2] == [rid, later]


HIDDEN_EXPECTED = {
    V.COACH: {"participant_a", "facilitator"},
    V.AUTHORITY: {"participant_a", "facilitator", "centre_admin"},
    V.COHORT: {"participant_a", "facilitator", "centre_admin"},
}


@pytest.mark.parametrize("visibility", list(HIDDEN_EXPECTED))
def test_a_hidden_reflection_is_seen_by_its_author_and_the_moderators_only(boards, visibility):
    rid = write(boards, visibility=visibility, body=CLEAN + " Strengths-based.")
    with tenancy.scoped({boards.a.id}):
        service.hide(rid, moderator=boards["facilitator"], reason="Too much detail")
        _db.session.commit()
    for key in EVERYONE:
        ids, total = seen_by(boards, key)
        found, _ = seen_by(boards, key, query="strengths")
        should = key in HIDDEN_EXPECTED[visibility]
        assert (rid in ids) == should, (visibility, key, "list")
        assert (rid in found) == should, (visibility, key, "search")
        assert total == len(ids), (visibility, key, "count")
        with tenancy.system_scope():
            reflection = _db.session.get(Reflection, rid)
            assert service.can_see(boards[key], reflection, tenant_ids_for(boards[key])) == should


def test_hiding_a_waiting_post_takes_it_off_the_queue_until_restored(boards):
    rid = write(boards, body=RISKY, confirmed=True)
    with tenancy.scoped({boards.a.id}):
        service.hide(rid, moderator=boards["facilitator"], reason="Identifiable")
        _db.session.commit()
        assert service.moderation_queue()[0] == []
        service.restore(rid, moderator=boards["facilitator"])
        _db.session.commit()
        assert [r.id for r in service.moderation_queue()[0]] == [rid]
    assert rid not in seen_by(boards, "participant_b")[0]  # still waiting, still Northbrook's


@contextmanager
def _database_of_its_own(tmp_path):
    if ON_POSTGRES:
        from portal.testing import throwaway_postgres

        with throwaway_postgres(PG_URL, prefix="portal_migration") as throwaway:
            yield throwaway.owner_url
    else:
        yield f"sqlite:///{tmp_path / 'migration.db'}"


def _legacy_user(role: Role):
    """A person as the 0005 schema holds them: only the columns it had (the model has
    gained some since), so not through the factory."""
    from types import SimpleNamespace

    from sqlalchemy import insert

    from portal.accounts.models import User

    email = f"{role.value}-legacy@example.org"
    values = dict(email=email, name=role.label, role=role, active=True)
    user_id = _db.session.execute(insert(User.__table__).values(**values)).inserted_primary_key[0]
    return SimpleNamespace(id=user_id)


def _legacy_moderation(tenant) -> dict[str, int]:
    """At 0005: a hidden post, one hidden while it waited, a pinned one, a hidden comment
    and a resolved flag, each as the old code left them (hidden posts unshared)."""
    from portal.audit.service import record
    from portal.boards.models import Flag

    cohort_id = tenant.cohort_id
    author, facilitator = _legacy_user(Role.PARTICIPANT), _legacy_user(Role.FACILITATOR)
    board = Board(cohort_id=cohort_id, title="Joint visits")
    _db.session.add(board)
    _db.session.flush()
    common = dict(
        tenant_id=tenant.id, board_id=board.id, author_id=author.id, body="Text",
        visibility=V.COHORT, status=ReflectionStatus.PUBLISHED, published_at=utcnow(),
    )  # fmt: skip
    hidden, waiting = Reflection(**common, title="Hidden"), Reflection(**common, title="Waited")
    pinned = Reflection(**common, title="Pinned", shared_cohort_id=cohort_id)
    _db.session.add_all([hidden, waiting, pinned])
    _db.session.flush()
    comment = Comment(tenant_id=tenant.id, reflection_id=hidden.id, author_id=author.id, body="x")
    flag = Flag(tenant_id=tenant.id, shared_cohort_id=cohort_id, reflection_id=pinned.id,
                user_id=author.id, reason="Check")  # fmt: skip
    _db.session.add_all([comment, flag])
    _db.session.flush()
    record("reflection.hidden", obj=hidden, actor=facilitator, tenant_id=tenant.id)
    ids = dict(hidden=hidden.id, waiting=waiting.id, pinned=pinned.id, comment=comment.id,
               flag=flag.id, facilitator=facilitator.id, cohort=cohort_id)  # fmt: skip
    for sql in (
        "UPDATE reflections SET status = 'HIDDEN', hidden_reason = 'Too much detail' "
        "WHERE id IN (:hidden, :waiting)",
        "UPDATE reflections SET findings = 2 WHERE id = :waiting",
        "UPDATE reflections SET pinned_at = published_at WHERE id = :pinned",
        "UPDATE reflection_comments SET hidden_reason = 'Unkind' WHERE id = :comment",
        "UPDATE reflection_flags SET resolved_at = created_at, resolved_by_id = :facilitator "
        "WHERE id = :flag",
    ):
        _db.session.execute(text(sql), ids)
    return ids


def _rows(sql: str, ids: dict) -> list:
    return [tuple(row) for row in _db.session.execute(text(sql), ids).all()]


def test_the_moderation_migration_moves_hidden_pinned_and_resolved_state(app, tmp_path):
    """0006 moves moderation out of the authorities' rows into the host's tables (and back
    on downgrade), on a database of its own."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from portal import create_app

    with _database_of_its_own(tmp_path) as url:
        config = {k: v for k, v in app.config.items() if k.isupper()}
        config.update(SQLALCHEMY_DATABASE_URI=url, MIGRATION_DATABASE_URI=url)
        other = create_app(config)
        with other.app_context():
            upgrade(revision="0005_boards")
            tenant = TenantFactory()
            cohort = tenant.cohort_id
            with tenancy.system_scope():
                ids = _legacy_moderation(tenant)
                _db.session.commit()
            upgrade()
            with tenancy.system_scope():
                assert _rows(
                    "SELECT reflection_id, hidden_reason, hidden_by_id, hidden_at IS NOT NULL, "
                    "pinned_at IS NOT NULL FROM reflection_moderation ORDER BY reflection_id",
                    ids,
                ) == [
                    (ids["hidden"], "Too much detail", ids["facilitator"], True, False),
                    (ids["waiting"], "Too much detail", None, True, False),
                    (ids["pinned"], None, None, False, True),
                ]
                assert _rows(
                    "SELECT id, status, shared_cohort_id FROM reflections ORDER BY id", ids
                ) == [
                    (ids["hidden"], "PUBLISHED", cohort),  # shared again: the app hides it
                    (ids["waiting"], "PENDING", None),  # waits for a facilitator again
                    (ids["pinned"], "PUBLISHED", cohort),
                ]
                assert _rows("SELECT shared_cohort_id FROM reflection_comments", ids) == [(cohort,)]
                assert _rows("SELECT comment_id, hidden_reason FROM comment_moderation", ids) == [
                    (ids["comment"], "Unkind")
                ]
                assert _rows(
                    "SELECT flag_id, outcome, resolved_by_id FROM flag_resolutions", ids
                ) == [(ids["flag"], "RESOLVED", ids["facilitator"])]
                _db.session.commit()
            columns = {
                table: {c["name"] for c in inspect(_db.engine).get_columns(table)}
                for table in ("reflections", "reflection_comments", "reflection_flags")
            }
            assert not columns["reflections"] & {"hidden_reason", "pinned_at"}
            assert "hidden_reason" not in columns["reflection_comments"]
            assert not columns["reflection_flags"] & {"resolved_at", "resolved_by_id"}
            if not ON_POSTGRES:  # the search triggers survive the column changes
                triggers = _rows("SELECT name FROM sqlite_master WHERE type = 'trigger'", {})
                assert len(triggers) == 3

            downgrade(revision="0005_boards")
            with tenancy.system_scope():
                assert _rows(
                    "SELECT id, status, hidden_reason, shared_cohort_id, pinned_at IS NOT NULL "
                    "FROM reflections ORDER BY id",
                    ids,
                ) == [
                    (ids["hidden"], "HIDDEN", "Too much detail", None, False),
                    (ids["waiting"], "HIDDEN", "Too much detail", None, False),
                    (ids["pinned"], "PUBLISHED", None, cohort, True),
                ]
                assert _rows(
                    "SELECT hidden_reason, shared_cohort_id FROM reflection_comments", ids
                ) == [("Unkind", None)]
                assert _rows("SELECT resolved_by_id FROM reflection_flags", ids) == [
                    (ids["facilitator"],)
                ]
                _db.session.commit()
            assert "reflection_moderation" not in inspect(_db.engine).get_table_names()
            _db.session.remove()
            _db.engine.dispose()


# --- Conversation -------------------------------------------------------------------------------


def _people(boards, *names):
    with tenancy.system_scope():
        ids = {}
        for name in names:
            person = UserFactory(role=Role.PARTICIPANT, name=name)
            _db.session.add(Membership(user_id=person.id, tenant_id=boards.a.id))
            ids[name] = person.id
        _db.session.commit()
    return ids


def test_mentions_match_whole_names_the_longest_first(boards):
    ids = _people(boards, "Sam", "Samira Khan", "Sam Lee")
    rid = write(boards)
    reader = boards["participant_b"]

    def named(body):
        with tenancy.scoped({boards.b.id}):
            reflection = service.get_reflection(rid, reader)
            return {user.id for user in service.mentioned(body, reflection)}

    assert named("@Samira Khan, have a look") == {ids["Samira Khan"]}
    assert named("Thanks @Sam, and again @Sam.") == {ids["Sam"]}
    assert named("@Sam") == {ids["Sam"]}
    assert named("@Samira would like this") == set()
    assert named("@Sam Lee knows") == {ids["Sam Lee"]}
    assert named("@SAMIRA KHAN and @sam") == {ids["Samira Khan"], ids["Sam"]}
    assert named("write to sam@Sam.example") == set()


def test_mentions_look_up_only_the_people_named(boards):
    from sqlalchemy import event

    from portal.accounts.models import User

    _people(boards, "Samira Khan", *(f"Person {n}" for n in range(25)))
    rid = write(boards)
    loaded = []

    def count(target, *args):
        loaded.append(target.id)

    event.listen(User, "load", count)
    event.listen(User, "refresh", count)
    try:
        with tenancy.scoped({boards.b.id}):
            reflection = service.get_reflection(rid, boards["participant_b"])
            found = service.mentioned("Thank you @Samira Khan and @Ama Boateng", reflection)
    finally:
        event.remove(User, "load", count)
        event.remove(User, "refresh", count)
    assert {u.name for u in found} == {"Samira Khan", "Ama Boateng"}
    assert len(loaded) <= 4, f"{len(loaded)} people read to find two mentions"


def test_a_flag_can_only_name_a_comment_on_the_same_reflection(boards):
    one = write(boards, title="One")
    other = write(boards, title="Other")
    with tenancy.scoped({boards.b.id}):
        comment_id = service.add_comment(other, actor=boards["participant_b"], body="Yes").id
        _db.session.commit()
        with pytest.raises(NotFound):
            service.flag(one, actor=boards["participant_b"], reason="x", comment_id=comment_id)


def test_saying_it_helped_twice_with_the_same_intent_leaves_one_reaction(boards):
    rid = write(boards)
    reader = boards["participant_b"]
    with tenancy.scoped({boards.b.id}):
        assert service.toggle_reaction(rid, actor=reader, on=True) is True
        assert service.toggle_reaction(rid, actor=reader, on=True) is True
        _db.session.commit()
        assert service.helped_counts([rid]) == {rid: 1}
        assert service.toggle_reaction(rid, actor=reader, on=False) is False
        assert service.toggle_reaction(rid, actor=reader, on=False) is False
        _db.session.commit()
        assert service.helped_counts([rid]) == {}


@pytest.mark.skipif(not ON_POSTGRES, reason="two writers at once need PostgreSQL")
def test_two_submits_at_the_same_moment_say_it_helped_once(boards, app):
    import threading
    import time

    from portal.accounts.models import User

    rid = write(boards)
    user_id, tenant_id = boards["participant_b"].id, boards.b.id
    barrier = threading.Barrier(2)
    answers, errors = [], []

    def submit(wait: float) -> None:
        try:
            with app.app_context(), tenancy.scoped({tenant_id}):
                actor = _db.session.get(User, user_id)
                barrier.wait(timeout=10)
                # The button says "on" (routes/reading.py): a double click says it twice.
                answers.append(service.toggle_reaction(rid, actor=actor, on=True))
                time.sleep(wait)  # the first holds its row while the second tries to insert
                _db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=submit, args=(w,)) for w in (0.5, 0.0)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert answers == [True, True]
    with tenancy.scoped({tenant_id}):
        assert service.helped_counts([rid]) == {rid: 1}


# --- Sharing: one place decides ---------------------------------------------------------------


def test_share_refuses_with_the_findings_until_the_author_confirms(boards):
    with tenancy.scoped({boards.a.id}):
        author = boards["participant_a"]
        reflection = service.start_reflection(
            actor=author, tenant=boards.a, board_id=boards.cohort_board.id
        )
        service.save_draft(reflection.id, actor=author, title="Visit", body=RISKY, themes="",
                           visibility=V.AUTHORITY)  # fmt: skip
        with pytest.raises(RuleError) as refused:
            service.share(reflection.id, actor=author)
        check = refused.value.check
        assert check.must_confirm and not check.waits and check.total >= 2
        assert [f.text for f in check.body][:1] == ["Kerry Smith"]
        assert service.share(reflection.id, actor=author, confirmed=True).status == (
            ReflectionStatus.PUBLISHED
        )


# --- The package's shape ------------------------------------------------------------------------


def test_the_boards_package_keeps_to_its_layout():
    """No broad system scope, nothing from the sessions service, no queries in the routes,
    and files and functions a person can read."""
    import ast
    from pathlib import Path

    package = Path(service.__file__).parent
    problems = []
    for path in sorted(package.rglob("*.py")):
        name = str(path.relative_to(package.parent))
        source = path.read_text()
        tree = ast.parse(source)
        if "system_scope" in source:
            problems.append(f"{name}: system_scope")
        if len(source.splitlines()) > 400:
            problems.append(f"{name}: {len(source.splitlines())} lines")
        if "routes" in path.parts and "select(" in source:
            problems.append(f"{name}: a query in the routes")
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "portal.sessions.service"
            ):
                problems.append(f"{name}:{node.lineno}: imports the sessions service")
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > 50:
                    problems.append(f"{name}: {node.name} is {length} lines")
    assert problems == []
