"""Combinatorial core of glued-digit recovery (see ``extractors/glued.py`` for the text side).

Flattened table text prints a row's cells with no separator ("270020130"). Two questions:

* ``split_run``: every way to cut one run into the row's cells (non-negative integers without
  leading zeros, signed or decimal where the cell kind allows), keeping only cuts that satisfy
  the row's own sum identities (table 三 R5, table 四 R6). A group total is *computed* from its
  members, never enumerated, which is what keeps the search small.
* ``choose_rows``: table 三 rows are coupled by column identities (R1: 一+二 = （七）+四;
  R4: （七） = sum of result rows). Given each row's candidates, find the candidates that take part
  in at least one split of the whole table that satisfies them.

Nothing here guesses: callers get *all* surviving candidates and decide "unique" vs "ambiguous".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from typing import Sequence

DEFAULT_CAP = 200_000  # search nodes / combinations per row or per table before giving up

NULL_MARKS = frozenset("/／")  # a printed "/" is one blank cell
DASHES = frozenset("-−－—–")  # a dash is either a blank cell or the sign of a signed cell
SIGNS = frozenset("+＋") | DASHES

Vec = tuple[int, ...]


class SearchCapped(Exception):
    """The enumeration hit its cap; the caller reports the run as unsolved."""


def parse_token(token: str, kind: str) -> int | float | None:
    """Value of one cell token produced by ``split_run`` (None for a printed blank)."""
    if token in NULL_MARKS or token in DASHES:
        return None
    sign = -1 if token[0] in DASHES else 1
    body = token[1:] if token[0] in SIGNS else token
    if kind == "money" and "." in body:
        return sign * float(body)
    return sign * int(body)


def _int_ends(s: str, pos: int) -> list[int]:
    """End positions of the integers (no leading zeros) that can start at ``pos``."""
    if pos >= len(s) or not s[pos].isdigit():
        return []
    if s[pos] == "0":
        return [pos + 1]
    end = pos
    ends = []
    while end < len(s) and s[end].isdigit():
        end += 1
        ends.append(end)
    return ends


def _token_ends(s: str, pos: int, kind: str) -> list[int]:
    """End positions of every token of this cell kind that can start at ``pos``."""
    ch = s[pos]
    ends: list[int] = []
    if ch in NULL_MARKS:
        return [pos + 1]
    if ch in DASHES:
        ends.append(pos + 1)  # a dash alone = blank cell
    if ch in SIGNS:
        if kind != "signed":
            return ends
        return ends + _int_ends(s, pos + 1)
    for end in _int_ends(s, pos):
        ends.append(end)
        if kind == "money" and end < len(s) and s[end] == ".":
            frac_end = end + 1
            while frac_end < len(s) and s[frac_end].isdigit():
                frac_end += 1
                ends.append(frac_end)
    return ends


@dataclass(frozen=True)
class SumGroup:
    members: tuple[int, ...]  # cell indexes, all before ``total``
    total: int


def split_run(run: str, kinds: Sequence[str], groups: Sequence[SumGroup] = (),
              cap: int = DEFAULT_CAP) -> list[tuple[str, ...]]:
    """All cuts of ``run`` (whitespace ignored) into ``len(kinds)`` cell tokens.

    A group total must equal the sum of its members (it is derived and matched against the
    text, not enumerated); a group with a blank member is not checked. Raises SearchCapped.
    """
    s = "".join(run.split())
    k = len(kinds)
    if (len(groups) == 1 and groups[0] == row_sum_group(k) and s.isdigit()
            and all(kind == "count" for kind in kinds)):
        return _split_total_last(s, k, cap)
    total_of = {g.total: g for g in groups}
    group_of = {m: g for g in groups for m in g.members}
    out: list[tuple[str, ...]] = []
    tokens: list[str] = []
    values: list[int | float | None] = []
    nodes = 0

    def too_big(cell: int, end: int) -> bool:
        """Prune: a group's members already sum to more than its total could still be."""
        group = group_of.get(cell)
        if group is None:
            return False
        partial = [values[i] for i in group.members if i < cell] + [values[cell]]
        if None in partial:
            return False
        # The total has at least one char per cell between here and it, and after it.
        cells_left = k - cell - 1
        longest = len(s) - end - (cells_left - 1)
        if longest <= 0:
            return True
        if group.total == k - 1:  # the total is the row's last cell: its largest value is known
            return sum(partial) > int(s[len(s) - longest:]) if s[len(s) - longest:].isdigit() else False
        return sum(partial) >= 10 ** longest

    def visit(cell: int, pos: int) -> None:
        nonlocal nodes
        nodes += 1
        if nodes > cap:
            raise SearchCapped(f"more than {cap} search nodes")
        if cell == k:
            if pos == len(s):
                out.append(tuple(tokens))
            return
        if pos >= len(s):
            return
        group = total_of.get(cell)
        members = [values[i] for i in group.members] if group is not None else None
        if members is not None and None not in members:
            forced = str(sum(members))
            ends = [pos + len(forced)] if s.startswith(forced, pos) else []
            if s[pos] in NULL_MARKS or s[pos] in DASHES:
                ends.append(pos + 1)  # a printed blank total is accepted unchecked
        else:
            ends = _token_ends(s, pos, kinds[cell])
        for end in ends:
            remaining_cells, remaining_chars = k - cell - 1, len(s) - end
            if remaining_chars < remaining_cells or (remaining_cells == 0 and remaining_chars):
                continue
            tokens.append(s[pos:end])
            values.append(parse_token(s[pos:end], kinds[cell]))
            if not too_big(cell, end):
                visit(cell + 1, end)
            tokens.pop()
            values.pop()

    visit(0, 0)
    return out


def _split_total_last(s: str, k: int, cap: int) -> list[tuple[str, ...]]:
    """Fast path for a table 三 row (k-1 counts then their total): fix the total (a suffix of
    the run) first, then cut the rest into k-1 counts summing to it, each at most as long."""
    out: list[tuple[str, ...]] = []
    nodes = 0
    for t in range(1, len(s) - (k - 1) + 1):
        total_str = s[len(s) - t:]
        if len(total_str) > 1 and total_str[0] == "0":
            continue
        total = int(total_str)
        prefix = s[:len(s) - t]
        tokens: list[str] = []

        def visit(pos: int, partial: int) -> None:
            nonlocal nodes
            nodes += 1
            if nodes > cap:
                raise SearchCapped(f"more than {cap} search nodes")
            left = k - 1 - len(tokens)
            if left == 1:  # the last member is forced: total - partial
                rest = prefix[pos:]
                if rest == str(total - partial):
                    out.append(tuple(tokens) + (rest, total_str))
                return
            for end in _int_ends(prefix, pos):
                chars_after = len(prefix) - end
                if chars_after < left - 1 or chars_after > (left - 1) * t or end - pos > t:
                    continue
                value = int(prefix[pos:end])
                if partial + value > total:
                    break  # longer tokens only get bigger
                tokens.append(prefix[pos:end])
                visit(end, partial + value)
                tokens.pop()

        visit(0, 0)
    return out


def row_sum_group(k: int) -> SumGroup:
    """Table 三 R5: the last cell (总计) is the sum of the k-1 applicant cells."""
    return SumGroup(tuple(range(k - 1)), k - 1)


def block_sum_groups(n_blocks: int, size: int) -> list[SumGroup]:
    """Table 四 R6: each block of ``size`` cells ends with its total."""
    return [SumGroup(tuple(range(b * size, b * size + size - 1)), b * size + size - 1)
            for b in range(n_blocks)]


# ---- table 三: choosing rows under the column identities -------------------------------------

@dataclass
class RowChoice:
    feasible: dict[str, list[Vec]]  # per row: candidates taking part in at least one solution
    solutions: int  # number of whole-table solutions (under the identities used)
    used: tuple[str, ...] = ()  # identities that constrained the choice ("R1", "R4")
    dropped: tuple[str, ...] = ()  # identities that cannot hold together with the printed digits
    unusable: tuple[str, ...] = field(default_factory=tuple)  # identities lacking a known row


def _add(a: Vec, b: Vec) -> Vec:
    return tuple(x + y for x, y in zip(a, b))


def _sub(a: Vec, b: Vec) -> Vec:
    return tuple(x - y for x, y in zip(a, b))


def _leq(a: Vec, b: Vec) -> bool:
    return all(x <= y for x, y in zip(a, b))


def _leaf_solutions(leaf_cands: list[list[Vec]], target: Vec, cap: int) -> tuple[int, list[list[Vec]]]:
    """Ways to pick one candidate per result row summing to ``target`` (R4), and the candidates
    of each row used by at least one such pick (forward counts + backward reachable sums)."""
    zero = tuple(0 for _ in target)
    forward: list[dict[Vec, int]] = [{zero: 1}]
    for cands in leaf_cands:
        nxt: dict[Vec, int] = {}
        for partial, ways in forward[-1].items():
            for c in cands:
                s = _add(partial, c)
                if _leq(s, target):
                    nxt[s] = nxt.get(s, 0) + ways
        if len(nxt) > cap:
            raise SearchCapped(f"more than {cap} partial column sums")
        forward.append(nxt)
    count = forward[-1].get(target, 0)
    if not count:
        return 0, [[] for _ in leaf_cands]
    backward: list[set[Vec]] = [set() for _ in range(len(leaf_cands) + 1)]
    backward[-1] = {zero}
    for i in range(len(leaf_cands) - 1, -1, -1):
        backward[i] = {_add(c, b) for c in leaf_cands[i] for b in backward[i + 1]
                       if _leq(_add(c, b), target)}
    feasible = []
    for i, cands in enumerate(leaf_cands):
        keep = [c for c in cands
                if any(_sub(_sub(target, f), c) in backward[i + 1] for f in forward[i])]
        feasible.append(keep)
    return count, feasible


def _solve(cands: dict[str, list[Vec]], leaves: list[str], r1: tuple[str, str, str, str],
           use: tuple[str, ...], cap: int) -> RowChoice:
    received, carried_over, total, carried_forward = r1
    outer = [received, carried_over, total, carried_forward] if "R1" in use else (
        [total] if "R4" in use else [])
    n_combos = 1
    for row in outer:
        n_combos *= len(cands[row])
    if n_combos > cap:
        raise SearchCapped(f"{n_combos} combinations of the 一/二/（七）/四 rows")
    leaf_cache: dict[Vec, tuple[int, list[list[Vec]]]] = {}
    feasible: dict[str, set[Vec]] = {row: set() for row in outer}
    leaf_feasible: list[set[Vec]] = [set() for _ in leaves]
    solutions = 0
    for combo in product(*(cands[row] for row in outer)):
        picked = dict(zip(outer, combo))
        if "R1" in use and _add(picked[received], picked[carried_over]) != _add(
                picked[total], picked[carried_forward]):
            continue
        ways = 1
        if "R4" in use:
            t = picked[total]
            if t not in leaf_cache:
                leaf_cache[t] = _leaf_solutions([cands[r] for r in leaves], t, cap)
            ways, per_leaf = leaf_cache[t]
            if not ways:
                continue
            for i, keep in enumerate(per_leaf):
                leaf_feasible[i].update(keep)
        solutions += ways
        for row, c in picked.items():
            feasible[row].add(c)
    result = {row: [c for c in cands[row] if c in feasible.get(row, ())] for row in outer}
    if "R4" in use:
        result.update({r: [c for c in cands[r] if c in leaf_feasible[i]] for i, r in enumerate(leaves)})
    constrained = set(result)
    for row, row_cands in cands.items():
        if row not in constrained:
            result[row] = list(row_cands)
            solutions *= max(1, len(row_cands))
    return RowChoice(result, solutions, used=use)


def choose_rows(cands: dict[str, list[Vec]], leaves: Sequence[str], r1: tuple[str, str, str, str],
                cap: int = DEFAULT_CAP) -> RowChoice:
    """Keep, per row, the candidates that fit at least one whole-table solution.

    ``cands`` maps every located row to its candidates (an empty list = unknown row; identities
    touching it are not used). ``leaves`` are the result rows summed by R4 into ``r1[2]``
    (（七）总计); ``r1`` = (一 received, 二 carried over, （七） total, 四 carried forward).
    If the printed digits cannot satisfy all identities at once (a publisher error), the single
    identity that still can is used when that is unambiguous, else none (rows stand alone).
    """
    known = {row for row, c in cands.items() if c}
    possible = []
    unusable = []
    if all(row in known for row in r1):
        possible.append("R1")
    else:
        unusable.append("R1")
    if r1[2] in known and leaves and all(row in known for row in leaves):
        possible.append("R4")
    else:
        unusable.append("R4")
    leaves = list(leaves)
    choice = _solve(cands, leaves, r1, tuple(possible), cap)
    if choice.solutions or not possible:
        choice.unusable = tuple(unusable)
        return choice
    singles = [(ident,) for ident in possible if len(possible) > 1]
    working = [ch for ch in (_solve(cands, leaves, r1, use, cap) for use in singles) if ch.solutions]
    choice = working[0] if len(working) == 1 else _solve(cands, leaves, r1, (), cap)
    choice.dropped = tuple(i for i in possible if i not in choice.used)
    choice.unusable = tuple(unusable)
    return choice


# ---- one row's candidates ------------------------------------------------------------------------

@dataclass
class RowCands:
    cands: list[tuple[str, ...]]  # candidate token tuples
    how: str  # blank (no run) | tokens (k separated tokens) | digits (one char per cell) | cut | none
    problem: str | None = None  # why there is no candidate (how == "none")


def row_candidates(run: str, kinds: Sequence[str], groups: Sequence[SumGroup],
                   cap: int = DEFAULT_CAP) -> RowCands:
    """Candidates for one row's run: read as printed when every cell shows separately, else cut."""
    if not run:
        return RowCands([], "blank")
    k = len(kinds)
    tokens = run.split()
    compact = "".join(tokens)
    try:
        if len(tokens) == k and all(len(split_run(t, (kd,), (), cap)) == 1 for t, kd in zip(tokens, kinds)):
            return RowCands([tuple(tokens)], "tokens")
        if len(compact) < k:
            return RowCands([], "none", f"{len(compact)} characters for {k} cells: some cells are blank")
        if len(compact) == k and len(split_run(compact, kinds, (), cap)) == 1:
            if groups and not split_run(compact, kinds, groups, cap):
                # Blank cells elsewhere in the row, or a publisher error: either way no honest cut.
                return RowCands([], "none", "one digit per cell breaks the row's sum identity")
            return RowCands(split_run(compact, kinds, (), cap), "digits")
        cuts = split_run(compact, kinds, groups, cap)
    except SearchCapped as exc:
        return RowCands([], "none", f"search cap hit: {exc}")
    if not cuts:
        return RowCands([], "none", "no cut into cells satisfies the row's sum identity"
                        if groups else "cannot be cut into the row's cells")
    return RowCands(cuts, "cut")
