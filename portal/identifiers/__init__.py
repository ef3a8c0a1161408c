"""Spotting details in a reflection that could identify a child or family.

Before a reflection is shared beyond its author it is checked here; the author
sees each finding highlighted, with a plain-English reason, and can edit. The
checker is deliberately cautious (a finding is a prompt to look again, not a
verdict) but tuned against labelled sets of social-work reflections
(``tests/data/identifier_examples.jsonl``, and a second set written apart from the
rules with a held-out third, ``identifier_reflections.jsonl``, and a third set for
tuning only, ``identifier_tuning.jsonl``; all measured by ``bench/identifiers.py``,
with its speed)
so that ordinary reflective writing, full of mothers, fathers, schools, dates
and numbers, is rarely flagged.

What is looked for:

- names next to a family or role word ("the mother, Sarah", "her son Jamie",
  "Mum (Kerry)", "Kerry's daughter", "Kerry, the mother", "the Brennan
  family"), next to an age ("Jamie (7)", "Tyler, aged 6") or a title ("Mrs
  Okafor"), and common given names anywhere ("Jayden said"). Capitalised words
  are checked against a stop-list (sentence starters, months, social-work
  terms, job titles, places), so "the child Protection Plan" is not a name.
  Initials ("J", "J.S.") are normal practice and never flagged; nor are
  ``@Full Name`` mentions of portal users, "Clare's Law" or the names of
  national case reviews;
- names with no family word, where a person stands in the sentence: the subject
  of a verb ("Ayodele told us she sleeps on the sofa", "Mbuyi has asked", "Nyabol
  arrived late"), the object of one or after "with", "for", "spoke to" ("I gave
  Amani the cards"), a possessive ("Kwame's bedroom"), and names joined by "and" or
  listed ("Hodan and Abdi", "Dritan, Valbona and the twins");
- never a colleague: the portal's own people by full name (``colleagues=``, which
  the boards fill with everyone in the cohort's partnership), and anyone named next
  to a professional role or title ("my supervisor Funmi", "the practice educator,
  Marek", "Dr Okonkwo from CAMHS", "PC Daniels", "Leanne from the duty team"), and
  writers and trainers cited ("reading Harry Ferguson", "the course with Carlene
  Firmin") (``people``);
- dates of birth and due dates, only when labelled ("DOB", "born on",
  "date of birth", "EDD"), or in brackets straight after a name: a bare date
  ("on 12 March we met") is not one;
- home addresses (a house or flat number, a street name and a street word),
  a named block where the words say it is a home ("the fourth floor of
  Pevensey House"), and a street someone lives on or moved from, with no number
  ("the family live on Clement Walk");
- full UK postcodes (a district alone, such as "W8", is not enough);
- NHS numbers (the modulus 11 check digit, or labelled "NHS number");
- case-system references (labelled, like "Mosaic ID 1234567", "LCS 1234567",
  "ESCR 604418", "case 2024-118734", "ref: ABC/12345", or shaped like one:
  "CHI-123456", "CP-2023-0456", family court numbers, National Insurance numbers);
- named schools, nurseries, academies, colleges, pupil referral units and
  children's centres ("Oakfield Primary", not "the primary school");
- UK phone numbers (10 or 11 digits, so not "0800 1111") and email addresses.

Where two rules match the same words, the more specific one is kept (a
labelled reference over a bare number, a school's name over a given name in
it), so findings never overlap.

The package is laid out by kind of detail: ``names``, ``dates``, ``places``
(addresses, postcodes, schools), ``numbers`` (NHS numbers, case references),
``contact`` (emails, phones), with the word lists in ``lexicon``, the messages in
``messages``, shared word-level pieces in ``tokens`` and the overlap rule in
``check``. It imports nothing from the rest of the portal and needs no database or
Flask app, so any feature can use it (the boards' reflections are the first).

Everything is plain ``re`` and string work: no network, no models. Every
pattern that starts with a repeat is anchored with a look-behind so a match can
only start where a word or number starts, and every inner repeat is bounded or
possessive, so the time taken grows in line with the length of the text.
"""

from portal.identifiers.check import find_identifiers
from portal.identifiers.finding import KINDS, Finding
from portal.identifiers.numbers import nhs_number_is_valid

__all__ = ["KINDS", "Finding", "find_identifiers", "nhs_number_is_valid"]
