#!/usr/bin/env python3
"""The include graph of src/ must have no loop between modules.

Nodes are file stems (src/x.c and src/x.h are one node, "x"); a private
header x_p.h belongs to module x, so it is the same node. Every
`#include "y.h"` in a file of stem x is an edge x -> y. Any strongly
connected component of more than one node is a loop between modules: two
modules that import each other, directly or through others. A module with
its own private header (store.c / store_p.h) is therefore never one.

Usage: include_graph.py [DIR]        check DIR (default: src/ of the tree)
       include_graph.py --self-test  check that a loop is found in a
                                     synthetic tree, and none in a clean one
Prints the loops found ("loop: a -> b -> a", with the lines that make it)
and exits 1 when there is one, 0 otherwise.
"""
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)\.h"')


def module_of(stem):
    return stem[:-2] if stem.endswith("_p") else stem


def graph(folder):
    """{module: {module: "file:line: #include ..."}} for the quoted includes in folder."""
    edges = {}
    for name in sorted(os.listdir(folder)):
        stem, ext = os.path.splitext(name)
        if ext not in (".c", ".h"):
            continue
        src = module_of(stem)
        edges.setdefault(src, {})
        with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                dst = module_of(os.path.basename(m.group(1)))
                if dst != src:
                    edges[src].setdefault(dst, '%s:%d: #include "%s.h"' % (name, n, m.group(1)))
                    edges.setdefault(dst, {})
    return edges


def components(edges):
    """Tarjan's strongly connected components, iteratively."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return out


def cycle_in(edges, comp):
    """One cycle through the component's first node, as a node list."""
    members = set(comp)
    start = comp[0]
    prev = {start: None}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(edges[v]):
            if w not in members:
                continue
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return path[::-1] + [start]
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return comp


def check(folder):
    edges = graph(folder)
    loops = [c for c in components(edges) if len(c) > 1]
    for comp in loops:
        cyc = cycle_in(edges, comp)
        print("loop: %s" % " -> ".join(cyc))
        for a, b in zip(cyc, cyc[1:]):
            print("    %s" % edges[a][b])
        if len(comp) > len(cyc) - 1:
            print("    (component: %s)" % ", ".join(comp))
    if not loops:
        print("include graph of %s: %d modules, no loop" % (folder, len(edges)))
    return 1 if loops else 0


def self_test():
    """A loop through a private header is found; a module with its own
    private header is not a loop."""
    trees = {
        "loop": {"a.h": '#include "b.h"\n', "a.c": '#include "a.h"\n',
                 "b.h": "", "b.c": '#include "b.h"\n#include "c_p.h"\n',
                 "c_p.h": '#include "c.h"\n', "c.h": "", "c.c": '#include "a.h"\n'},
        "clean": {"s.h": "", "s_p.h": '#include "s.h"\n', "s.c": '#include "s_p.h"\n',
                  "s_x.c": '#include "s_p.h"\n', "t.c": '#include "s.h"\n'},
    }
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, files in trees.items():
            d = os.path.join(tmp, name)
            os.mkdir(d)
            for f, text in files.items():
                with open(os.path.join(d, f), "w") as fh:
                    fh.write(text)
            rc = check(d)
            want = 1 if name == "loop" else 0
            if rc != want:
                print("self-test: %s tree gave %d, want %d" % (name, rc, want))
                bad = 1
    return bad


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return check(argv[1] if len(argv) > 1 else os.path.join(top, "src"))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
