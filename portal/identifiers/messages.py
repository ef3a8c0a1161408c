"""What the author is told about each finding (GOV.UK style: what was found, and what to do)."""

from __future__ import annotations

MSG_DOB = "This looks like a date of birth. Remove it, or give an age instead, such as ‘aged 7’."
MSG_DUE = (
    "This looks like a baby's due date. Remove it, or say roughly when, such as ‘due in the "
    "autumn’."
)
MSG_ADDRESS = (
    "This looks like a home address. Remove it, or describe the area in general terms instead."
)
MSG_POSTCODE = "This looks like a postcode. Remove it or use a general area instead."
MSG_NHS = "This looks like an NHS number. Remove it: an NHS number identifies one person."
MSG_CASE = (
    "This looks like a case or record reference. Remove it: anyone with access to the "
    "records could use it to find the family."
)
MSG_COURT = "This looks like a family court case number. Remove it: it identifies the case."
MSG_NINO = "This looks like a National Insurance number. Remove it: it identifies one person."
MSG_SCHOOL = (
    "This looks like the name of a school, nursery or college. Say ‘their school’ instead: "
    "a school's name can show where a child lives."
)
MSG_PHONE = "This looks like a phone number. Remove it before sharing."
MSG_EMAIL = "This looks like an email address. Remove it before sharing."
MSG_NAME_AGE = (
    "This looks like a child's name (next to their age). Use initials instead, such as ‘J (7)’."
)
MSG_NAME_COMMON = (
    "This looks like a person's name. If it's a child or family member, use initials or "
    "their role instead, such as ‘J’ or ‘the mother’."
)


def msg_child(role: str) -> str:
    return (
        f"This looks like a child's name (after “{role}”). Use initials or a description "
        "instead, such as ‘J’ or ‘the child’."
    )


def msg_family(role: str) -> str:
    return (
        f"This looks like a family member's name (after “{role}”). Use their role instead, "
        "such as ‘the mother’."
    )


def msg_near(role: str) -> str:
    return (
        f"This looks like the name of a child or family member (next to “{role}”). Use "
        "initials or their role instead."
    )


def msg_family_name(what: str) -> str:
    return (
        f"This looks like a family's surname (before “{what}”). Use a description instead, "
        "such as ‘the family’."
    )


def msg_title(title: str) -> str:
    return (
        f"This looks like a person's name (after “{title}”). If it's a family member or "
        "carer, use their role instead, such as ‘the grandmother’."
    )


MSG_NAME_PERSON = (
    "This may be someone's name, standing where a person does in the sentence. If it is "
    "a child or family member, use an initial or their role instead."
)
