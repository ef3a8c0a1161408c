"""Asking first: the GOV.UK confirmation page for an action that cannot be undone.

The button on a page is a link to the action's URL (GET), which asks; the page's form
posts to the same URL, which acts. Without JavaScript it is the same two steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template


@dataclass(frozen=True)
class Ask:
    title: str  # the question, as the page's heading: "Delete this reflection?"
    button: str  # what pressing does: "Yes, delete it"
    back: str  # where "No, go back" goes
    says: list[str] = field(default_factory=list)  # what will happen, a paragraph each
    warning: str | None = None  # what cannot be undone


def ask_first(ask: Ask, *, form=None, status: int = 200):
    """The confirmation page; ``form`` adds its ``reason`` field (a withdrawal's reason)."""
    return render_template("confirm.html", ask=ask, form=form), status
