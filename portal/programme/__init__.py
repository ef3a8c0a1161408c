"""The practice leader development programme: rounds, applications and selection.

A national programme run by the centre (host-run, not a partner authority's): its
applicants come from any English council. This package starts with rounds: an admin
opens one with its dates (the closing time exact to the second, London time), places,
eligibility questions and the criteria applications are judged on.
"""
