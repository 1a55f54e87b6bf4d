# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names a user may have misspelled: a variable or an option that is a letter or two away from
one the collection knows is refused naming the one meant, not ignored or merely listed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def edits(a, b, limit):
    """The edits (insert, delete, replace a letter, swap two neighbours) that turn ``a`` into ``b``, or
    ``limit + 1`` once more than ``limit`` are needed (optimal string alignment distance)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before, row = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return row[-1]


def closest(name, known):
    """The name of ``known`` that ``name`` is likely a misspelling of, or None: one edit away (a letter
    missing, extra or wrong, two swapped: peering_tier, nat_mod, vpc_cdir), two for a name of 10
    letters or more (securty_grups). A name shortened or lengthened on purpose is further: vpc_id
    (2 from vpc_cidr), account_id (4 from aws_account_id)."""
    limit = 2 if len(name) >= 10 else 1
    distance, meant = min([(edits(name, other, limit), other) for other in known
                           if abs(len(other) - len(name)) <= limit] or [(limit + 1, None)])
    return meant if distance <= limit else None


def misspellings(names, known):
    """[(name, the name of ``known`` it is likely a misspelling of)] for the ``names`` not in ``known``;
    Ansible's own variables (``ansible_*``) are never taken for one of the collection's."""
    found = []
    for name in sorted(set(names) - set(known)):
        meant = None if name.startswith("ansible_") else closest(name, known)
        if meant:
            found.append((name, meant))
    return found


def unknown_option(key, known):
    """Why ``key`` is refused among the options ``known``, naming the one meant if it is a misspelling."""
    meant = closest(key, known) if isinstance(key, str) else None
    return "unknown option%s (known: %s)" % ("; did you mean %s?" % meant if meant else "", ", ".join(known))
