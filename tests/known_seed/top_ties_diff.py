#!/usr/bin/env python3
"""top_ties_diff.py - compares two pcapflow-replay outputs modulo the order
of tied top-N entries.

Usage: top_ties_diff.py A B

Every line that is not a top-N entry must be the same, in the same place.
Each top-N list (bytes-top_host_, top_port_, top_flow_, top_domain_,
top_sni_, per interval) must have the same values in the same order and the
same `other`; entries of equal value must name the same keys, except those
of the list's last value, of which only the number must match (a tie at
the cutoff: which of the tied keys is named is the tie order's choice).
Prints a summary (lines that differ, entries whose key moved, cutoffs that
named another key) and exits 1 on any other difference.
"""
import re
import sys
from collections import defaultdict

TOP = re.compile(r"^(\S*top_(?:host|port|flow|domain|sni)_)(\S+) (\d+)$")


def parse(path):
    """Lines as ('line', text) or ('top', prefix, key, value), with the
    top entries grouped into lists: (prefix, [(key, value)], other)."""
    out = []
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            m = TOP.match(line)
            if not m:
                out.append(("line", line))
                continue
            prefix, key, value = m.group(1), m.group(2), int(m.group(3))
            last = out[-1] if out else None
            if not (last and last[0] == "list" and last[1] == prefix
                    and last[3] is None):
                last = ("list", prefix, [], None)
                out.append(last)
            if key == "other":
                out[-1] = ("list", prefix, last[2], value)
            else:
                last[2].append((key, value))
    return out


def compare_list(a, b, where):
    """Problems between two lists (empty: equal modulo ties), and counts."""
    _, prefix, ea, oa = a
    _, _, eb, ob = b
    problems = []
    if oa != ob:
        problems.append(f"{where} {prefix}other {oa} != {ob}")
    if [v for _, v in ea] != [v for _, v in eb]:
        problems.append(f"{where} {prefix} values differ")
        return problems, 0, 0
    moved = sum(1 for x, y in zip(ea, eb) if x[0] != y[0])
    by_a, by_b = defaultdict(set), defaultdict(set)
    for k, v in ea:
        by_a[v].add(k)
    for k, v in eb:
        by_b[v].add(k)
    # Only a list that left bytes in "other" can have been cut: in one that
    # did not, its last value's keys must match like any other value's.
    cut = ea[-1][1] if ea and oa > 0 else None
    swapped = 0
    for v in by_a:
        if by_a[v] == by_b[v]:
            continue
        if v == cut:
            swapped += len(by_a[v] - by_b[v])
        else:
            problems.append(f"{where} {prefix} keys of {v} differ")
    return problems, moved, swapped


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    a, b = parse(sys.argv[1]), parse(sys.argv[2])
    problems, moved, swapped, lists = [], 0, 0, 0
    if len(a) != len(b):
        problems.append(f"{len(a)} against {len(b)} lines and lists")
    interval = "whole"
    for x, y in zip(a, b):
        if x[0] == "line" and x[1].startswith("# interval"):
            interval = x[1]
        if x[0] != y[0] or (x[0] == "line" and x != y):
            problems.append(f"{interval}: {x} != {y}")
            continue
        if x[0] == "list":
            if x[1] != y[1]:
                problems.append(f"{interval}: list {x[1]} != {y[1]}")
                continue
            lists += 1
            p, m, s = compare_list(x, y, interval)
            problems += p
            moved += m
            swapped += s
    la = sum(1 for _ in open(sys.argv[1]))
    differ = sum(1 for x, y in zip(open(sys.argv[1]), open(sys.argv[2]))
                 if x != y)
    print(f"{la} lines, {differ} differ; {lists} lists; {moved} entries name "
          f"another key at their place, {swapped} of them a key the other "
          f"list's cutoff left out; {len(problems)} other differences")
    for p in problems[:20]:
        print("  " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
