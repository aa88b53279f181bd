"""eryx side by side with pyeryx (the seeds' published package) and native CPython, in one run.

Run:  .venv/bin/python bench/python/compare_peers.py [--quick] [--rounds N] [--json out.json]
      .venv/bin/python bench/python/compare_peers.py --from-json out.json   (the table again)
      .venv/bin/python bench/python/compare_peers.py --compute-only --systems eryx,native [--kernels a,b]
                                         (only the compute kernels: each ratio and the geometric means)

The driver (any Python 3.9+) starts one worker process per system and round, each the same file with
`--worker eryx|pyeryx|native`, and prints one markdown table:

- eryx:   this project's `import eryx`, under the project's .venv Python;
- pyeryx: `pip install pyeryx==PYERYX_VERSION` (imported as `eryx` too, hence the separate process)
          in a venv made from the native CPython below, kept at <cache>/bench-pyeryx-venv-<version>;
- native: the native CPython that the guest build leaves in <cache>/cpython-native-*/ (the guest's
          CPython version), running the same snippets with plain exec(): no isolation, a lower bound.

<cache> is $ERYX_CACHE_ROOT or ~/.cache/eryx. Rounds run the workers one after another, the order
rotated each round; each row reports the best (lowest time / highest rate) of the per-round medians,
so a burst of load from elsewhere on the machine hurts one round, not the figure.
"""

import argparse
import datetime
import glob
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PYERYX_VERSION = "0.11.0"
SYSTEMS = ("eryx", "pyeryx", "native")
FACTORY_IMPORTS = ["json", "re", "datetime"]
TRIVIAL = "x = 1 + 1"
# Three imports typical code starts with (issue 15: <= 0.3 ms more than `pass` in a fresh sandbox).
THREE_IMPORTS = "import dataclasses, typing, datetime"
MB = 1024 * 1024
# The repository: its .venv holds this project's eryx, its build/ the C++ CLI.
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A "realistic" 20-line snippet: what a tool call typically does with a small payload.
REALISTIC = '''\
import csv, io, json
from collections import defaultdict
DATA = """region,product,units,price
north,widget,12,2.50
south,gadget,3,10.00
north,gadget,7,10.00
east,widget,20,2.50
south,widget,5,2.50
east,gizmo,2,99.90
west,widget,8,2.50
"""
revenue = defaultdict(float)
units = defaultdict(int)
for row in csv.DictReader(io.StringIO(DATA)):
    revenue[row["region"]] += int(row["units"]) * float(row["price"])
    units[row["product"]] += int(row["units"])
ranked = sorted(revenue.items(), key=lambda kv: kv[1], reverse=True)
summary = {"revenue": {k: round(v, 2) for k, v in ranked}, "units": dict(units)}
big = [region for region, total in ranked if total > 50]
print(json.dumps(summary, sort_keys=True))
print(f"{len(big)} regions above 50: {', '.join(big)}")
'''

# Compute kernels: pure Python, deterministic; the project's five are sized to ~0.3 s on the native
# build, the pyperformance-style ones after them to ~0.05-0.2 s. Each prints its own elapsed time (time.perf_counter() inside the guest, so sandbox start-up is excluded) and a
# checksum that must agree across systems. N is prepended as "N = <size>".
KERNELS = {
    "method calls (linked list)": (10000, '''
import time
class Node:
    __slots__ = ("value", "next")
    def __init__(self, value, next=None):
        self.value = value
        self.next = next
    def step(self, k):
        return (self.value * 31 + k) % 1000003
def run(n):
    head = None
    for i in range(200):
        head = Node(i, head)
    acc = 0
    for k in range(n):
        node = head
        while node is not None:
            acc = (acc + node.step(k)) & 0xFFFFFFFF
            node = node.next
    return acc
t = time.perf_counter()
check = run(N)
print(f"ELAPSED {time.perf_counter() - t:.6f} CHECK {check}")
'''),
    "nbody": (60000, '''
import time
PI = 3.14159265358979323
SOLAR_MASS = 4 * PI * PI
DAYS = 365.24
BODIES = [
    ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0], SOLAR_MASS),
    ([4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01],
     [1.66007664274403694e-03 * DAYS, 7.69901118419740425e-03 * DAYS, -6.90460016972063023e-05 * DAYS],
     9.54791938424326609e-04 * SOLAR_MASS),
    ([8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01],
     [-2.76742510726862411e-03 * DAYS, 4.99852801234917238e-03 * DAYS, 2.30417297573763929e-05 * DAYS],
     2.85885980666130812e-04 * SOLAR_MASS),
    ([1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01],
     [2.96460137564761618e-03 * DAYS, 2.37847173959480950e-03 * DAYS, -2.96589568540237556e-05 * DAYS],
     4.36624404335156298e-05 * SOLAR_MASS),
    ([1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01],
     [2.68067772490389322e-03 * DAYS, 1.62824170038242295e-03 * DAYS, -9.51592254519715870e-05 * DAYS],
     5.15138902046611451e-05 * SOLAR_MASS),
]
def advance(bodies, pairs, dt, n):
    for _ in range(n):
        for (([x1, y1, z1], v1, m1), ([x2, y2, z2], v2, m2)) in pairs:
            dx = x1 - x2; dy = y1 - y2; dz = z1 - z2
            mag = dt * ((dx * dx + dy * dy + dz * dz) ** (-1.5))
            b1m = m1 * mag; b2m = m2 * mag
            v1[0] -= dx * b2m; v1[1] -= dy * b2m; v1[2] -= dz * b2m
            v2[0] += dx * b1m; v2[1] += dy * b1m; v2[2] += dz * b1m
        for (r, [vx, vy, vz], m) in bodies:
            r[0] += dt * vx; r[1] += dt * vy; r[2] += dt * vz
def energy(bodies, pairs):
    e = 0.0
    for (([x1, y1, z1], v1, m1), ([x2, y2, z2], v2, m2)) in pairs:
        e -= (m1 * m2) / ((x1 - x2) ** 2 + (y1 - y2) ** 2 + (z1 - z2) ** 2) ** 0.5
    for (r, [vx, vy, vz], m) in bodies:
        e += m * (vx * vx + vy * vy + vz * vz) / 2.0
    return e
bodies = [([*r], [*v], m) for r, v, m in BODIES]
pairs = [(bodies[i], bodies[j]) for i in range(len(bodies)) for j in range(i + 1, len(bodies))]
t = time.perf_counter()
advance(bodies, pairs, 0.01, N)
check = f"{energy(bodies, pairs):.9f}"
print(f"ELAPSED {time.perf_counter() - t:.6f} CHECK {check}")
'''),
    "json dumps+loads": (1000, '''
import json, time
doc = {"users": [{"id": i, "name": f"user{i}", "email": f"user{i}@example.com",
                  "tags": ["a", "b", "c"][: i % 4], "score": i * 1.5, "active": i % 3 == 0,
                  "address": {"city": "Paris", "zip": f"{75000 + i % 20}"}} for i in range(100)],
       "meta": {"count": 100, "next": None}}
t = time.perf_counter()
total = 0
for _ in range(N):
    s = json.dumps(doc)
    back = json.loads(s)
    total += len(s) + len(back["users"])
print(f"ELAPSED {time.perf_counter() - t:.6f} CHECK {total}")
'''),
    "regex": (60, r'''
import re, time
words = ["alpha", "beta42", "gamma", "2026-11-25", "x@y.org", "delta_7", "http://e.com/a?b=1", "epsilon"]
text = " ".join(words[(i * 7) % len(words)] for i in range(4000))
patterns = [re.compile(p) for p in (r"\b\d{4}-\d{2}-\d{2}\b", r"[\w.]+@[\w.]+\.\w+",
            r"https?://[^\s]+", r"\b[a-z]+\d+\b", r"(?i)\b(?:alpha|gamma|epsilon)\b")]
t = time.perf_counter()
count = 0
for _ in range(N):
    for p in patterns:
        count += len(p.findall(text))
    count += len(re.sub(r"\d", "#", text))
print(f"ELAPSED {time.perf_counter() - t:.6f} CHECK {count}")
'''),
    "dict + str": (200, '''
import time
base = "the quick brown fox jumps over the lazy dog while seven wizards quietly vex jumbo plaids".split()
t = time.perf_counter()
check = 0
for r in range(N):
    counts = {}
    for i in range(3000):
        w = base[(i * 13 + r) % len(base)] + str(i % 17)
        counts[w] = counts.get(w, 0) + 1
    keys = sorted(counts, key=lambda k: (-counts[k], k))
    line = ",".join(f"{k}={counts[k]}" for k in keys[:50])
    check = (check + len(line.upper().replace("=", ":").split(","))) % 1000003
print(f"ELAPSED {time.perf_counter() - t:.6f} CHECK {check}")
'''),
    "fannkuch": (8, '''
import time
def fannkuch(n):
    perm1 = list(range(n))
    count = [0] * n
    max_flips = checksum = 0
    sign = 1
    r = n
    while True:
        while r != 1:
            count[r - 1] = r
            r -= 1
        perm = perm1[:]
        flips = 0
        k = perm[0]
        while k:
            perm[: k + 1] = perm[k::-1]
            flips += 1
            k = perm[0]
        if flips > max_flips:
            max_flips = flips
        checksum += flips * sign
        sign = -sign
        while True:
            if r == n:
                return max_flips, checksum
            perm1.insert(r, perm1.pop(0))
            count[r] -= 1
            if count[r] > 0:
                break
            r += 1
t = time.perf_counter()
check = fannkuch(N)
print(f"ELAPSED {time.perf_counter() - t:.6f} CHECK {check[0]}/{check[1]}")
'''),
    "spectral_norm": (100, '''
import time
def eval_a(i, j):
    return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)
def a_times(u):
    return [sum(eval_a(i, j) * uj for j, uj in enumerate(u)) for i in range(len(u))]
def at_times(u):
    return [sum(eval_a(j, i) * uj for j, uj in enumerate(u)) for i in range(len(u))]
def spectral_norm(n):
    u = [1.0] * n
    for _ in range(10):
        v = at_times(a_times(u))
        u = at_times(a_times(v))
    vbv = sum(a * b for a, b in zip(u, v))
    vv = sum(b * b for b in v)
    return (vbv / vv) ** 0.5
t = time.perf_counter()
check = f"{spectral_norm(N):.9f}"
print(f"ELAPSED {time.perf_counter() - t:.6f} CHECK {check}")
'''),
    "richards": (2, '''
import time
I_IDLE, I_WORK, I_HANDLER_A, I_HANDLER_B, I_DEV_A, I_DEV_B = range(6)
K_DEV, K_WORK = 1000, 1001
BUFSIZE = 4
class Packet:
    def __init__(self, link, ident, kind):
        self.link = link
        self.ident = ident
        self.kind = kind
        self.datum = 0
        self.data = [0] * BUFSIZE
    def append_to(self, queue):
        self.link = None
        if queue is None:
            return self
        p = queue
        while p.link is not None:
            p = p.link
        p.link = self
        return queue
class Task:
    def __init__(self, sched, ident, prio, queue, pending, waiting, fn, rec):
        self.sched = sched
        self.link = sched.tasks
        sched.tasks = self
        sched.table[ident] = self
        self.ident, self.prio, self.queue = ident, prio, queue
        self.pending, self.waiting, self.holding = pending, waiting, False
        self.fn, self.rec = fn, rec
    def held_or_suspended(self):
        return self.holding or (not self.pending and self.waiting)
    def run(self):
        if self.pending and self.waiting and not self.holding:
            msg = self.queue
            self.queue = msg.link
            self.pending = self.queue is not None
            self.waiting = False
        else:
            msg = None
        return self.fn(self, msg)
    def wait(self):
        self.waiting = True
        return self
    def hold(self):
        self.sched.holds += 1
        self.holding = True
        return self.link
    def release(self, ident):
        t = self.sched.table[ident]
        t.holding = False
        return t if t.prio > self.prio else self
    def send(self, pkt):
        t = self.sched.table[pkt.ident]
        self.sched.sends += 1
        pkt.link = None
        pkt.ident = self.ident
        if t.queue is None:
            t.queue = pkt
            t.pending = True
            if t.prio > self.prio:
                return t
        else:
            pkt.append_to(t.queue)
        return self
def idle_fn(task, pkt):
    rec = task.rec
    rec["count"] -= 1
    if rec["count"] == 0:
        return task.hold()
    if rec["control"] & 1 == 0:
        rec["control"] //= 2
        return task.release(I_DEV_A)
    rec["control"] = (rec["control"] // 2) ^ 0xD008
    return task.release(I_DEV_B)
def work_fn(task, pkt):
    if pkt is None:
        return task.wait()
    rec = task.rec
    dest = I_HANDLER_B if rec["dest"] == I_HANDLER_A else I_HANDLER_A
    rec["dest"] = dest
    pkt.ident = dest
    pkt.datum = 0
    for i in range(BUFSIZE):
        rec["count"] += 1
        if rec["count"] > 26:
            rec["count"] = 1
        pkt.data[i] = 64 + rec["count"]
    return task.send(pkt)
def handler_fn(task, pkt):
    rec = task.rec
    if pkt is not None:
        if pkt.kind == K_WORK:
            rec["work"] = pkt.append_to(rec["work"])
        else:
            rec["dev"] = pkt.append_to(rec["dev"])
    work = rec["work"]
    if work is None:
        return task.wait()
    count = work.datum
    if count >= BUFSIZE:
        rec["work"] = work.link
        return task.send(work)
    dev = rec["dev"]
    if dev is None:
        return task.wait()
    rec["dev"] = dev.link
    dev.datum = work.data[count]
    work.datum = count + 1
    return task.send(dev)
def device_fn(task, pkt):
    rec = task.rec
    if pkt is None:
        pkt = rec["pending"]
        if pkt is None:
            return task.wait()
        rec["pending"] = None
        return task.send(pkt)
    rec["pending"] = pkt
    return task.hold()
class Scheduler:
    def __init__(self):
        self.tasks = None
        self.table = [None] * 6
        self.sends = self.holds = 0
    def run(self):
        t = self.tasks
        while t is not None:
            t = t.link if t.held_or_suspended() else t.run()
def richards():
    s = Scheduler()
    Task(s, I_IDLE, 1, None, False, False, idle_fn, {"control": 1, "count": 10000})
    q = Packet(Packet(None, 0, K_WORK), 0, K_WORK)
    Task(s, I_WORK, 1000, q, True, True, work_fn, {"dest": I_HANDLER_A, "count": 0})
    q = Packet(Packet(Packet(None, I_DEV_A, K_DEV), I_DEV_A, K_DEV), I_DEV_A, K_DEV)
    Task(s, I_HANDLER_A, 2000, q, True, True, handler_fn, {"work": None, "dev": None})
    q = Packet(Packet(Packet(None, I_DEV_B, K_DEV), I_DEV_B, K_DEV), I_DEV_B, K_DEV)
    Task(s, I_HANDLER_B, 3000, q, True, True, handler_fn, {"work": None, "dev": None})
    Task(s, I_DEV_A, 4000, None, False, True, device_fn, {"pending": None})
    Task(s, I_DEV_B, 5000, None, False, True, device_fn, {"pending": None})
    s.run()
    return s.sends, s.holds
t = time.perf_counter()
results = {richards() for _ in range(N)}
print(f"ELAPSED {time.perf_counter() - t:.6f} CHECK {sorted(results)}")
'''),
    "pidigits": (1500, '''
import time
def pi_digits(count):
    q, r, t, k, n, l = 1, 0, 1, 1, 3, 3
    out = []
    while len(out) < count:
        if 4 * q + r - t < n * t:
            out.append(n)
            q, r, n = 10 * q, 10 * (r - n * t), (10 * (3 * q + r)) // t - 10 * n
        else:
            q, r, t, k, n, l = q * k, (2 * q + r) * l, t * l, k + 1, (q * (7 * k + 2) + r * l) // (t * l), l + 2
    return out
t = time.perf_counter()
digits = pi_digits(N)
check = f"{sum(digits)}:{''.join(map(str, digits[-12:]))}"
print(f"ELAPSED {time.perf_counter() - t:.6f} CHECK {check}")
'''),
    "float": (20000, '''
import time
from math import sin, cos, sqrt
class Point:
    def __init__(self, i):
        self.x = x = sin(i)
        self.y = cos(i) * 3
        self.z = (x * x) / 2
    def normalize(self):
        norm = sqrt(self.x * self.x + self.y * self.y + self.z * self.z)
        self.x /= norm
        self.y /= norm
        self.z /= norm
    def maximize(self, other):
        self.x = self.x if self.x > other.x else other.x
        self.y = self.y if self.y > other.y else other.y
        self.z = self.z if self.z > other.z else other.z
        return self
def run(n):
    points = [Point(i) for i in range(n)]
    for p in points:
        p.normalize()
    best = points[0]
    for p in points[1:]:
        best = best.maximize(p)
    return best
t = time.perf_counter()
acc = 0.0
for _ in range(5):
    b = run(N)
    acc += b.x + b.y + b.z
print(f"ELAPSED {time.perf_counter() - t:.6f} CHECK {acc:.6f}")
'''),
    "deltablue": (20, '''
import time
# Strengths: lower is stronger.
REQUIRED, STRONG_PREFERRED, PREFERRED, STRONG_DEFAULT, NORMAL, WEAK_DEFAULT, WEAKEST = range(7)
NONE, FORWARD, BACKWARD = 0, 1, 2
class Variable:
    def __init__(self, value=0):
        self.value = value
        self.constraints = []
        self.determined_by = None
        self.mark = 0
        self.walk_strength = WEAKEST
        self.stay = True
    def remove_constraint(self, c):
        self.constraints.remove(c)
        if self.determined_by is c:
            self.determined_by = None
class Constraint:
    def __init__(self, strength):
        self.strength = strength
    def add(self):
        self.add_to_graph()
        planner.incremental_add(self)
    def satisfy(self, mark):
        self.choose_method(mark)
        if not self.is_satisfied():
            if self.strength == REQUIRED:
                raise RuntimeError("could not satisfy a required constraint")
            return None
        self.mark_inputs(mark)
        out = self.output()
        overridden = out.determined_by
        if overridden is not None:
            overridden.mark_unsatisfied()
        out.determined_by = self
        if not planner.add_propagate(self, mark):
            raise RuntimeError("cycle encountered")
        out.mark = mark
        return overridden
    def destroy(self):
        if self.is_satisfied():
            planner.incremental_remove(self)
        else:
            self.remove_from_graph()
    def is_input(self):
        return False
class Unary(Constraint):
    def __init__(self, v, strength):
        Constraint.__init__(self, strength)
        self.out = v
        self.satisfied = False
        self.add()
    def add_to_graph(self):
        self.out.constraints.append(self)
        self.satisfied = False
    def choose_method(self, mark):
        self.satisfied = self.out.mark != mark and self.strength < self.out.walk_strength
    def is_satisfied(self):
        return self.satisfied
    def mark_inputs(self, mark):
        pass
    def output(self):
        return self.out
    def recalculate(self):
        self.out.walk_strength = self.strength
        self.out.stay = not self.is_input()
        if self.out.stay:
            self.execute()
    def mark_unsatisfied(self):
        self.satisfied = False
    def inputs_known(self, mark):
        return True
    def remove_from_graph(self):
        self.out.remove_constraint(self)
        self.satisfied = False
    def execute(self):
        pass
class Stay(Unary):
    pass
class Edit(Unary):
    def is_input(self):
        return True
class Binary(Constraint):
    def __init__(self, v1, v2, strength):
        Constraint.__init__(self, strength)
        self.v1, self.v2 = v1, v2
        self.direction = NONE
        self.add()
    def choose_method(self, mark):
        v1, v2 = self.v1, self.v2
        if v1.mark == mark:
            self.direction = FORWARD if v2.mark != mark and self.strength < v2.walk_strength else NONE
        if v2.mark == mark:
            self.direction = BACKWARD if v1.mark != mark and self.strength < v1.walk_strength else NONE
        if v1.walk_strength > v2.walk_strength:
            self.direction = BACKWARD if self.strength < v1.walk_strength else NONE
        else:
            self.direction = FORWARD if self.strength < v2.walk_strength else BACKWARD
    def add_to_graph(self):
        self.v1.constraints.append(self)
        self.v2.constraints.append(self)
        self.direction = NONE
    def is_satisfied(self):
        return self.direction != NONE
    def mark_inputs(self, mark):
        self.input().mark = mark
    def input(self):
        return self.v1 if self.direction == FORWARD else self.v2
    def output(self):
        return self.v2 if self.direction == FORWARD else self.v1
    def recalculate(self):
        ihn, out = self.input(), self.output()
        out.walk_strength = max(self.strength, ihn.walk_strength)
        out.stay = ihn.stay
        if out.stay:
            self.execute()
    def mark_unsatisfied(self):
        self.direction = NONE
    def inputs_known(self, mark):
        i = self.input()
        return i.mark == mark or i.stay or i.determined_by is None
    def remove_from_graph(self):
        self.v1.remove_constraint(self)
        self.v2.remove_constraint(self)
        self.direction = NONE
class Equality(Binary):
    def execute(self):
        self.output().value = self.input().value
class Scale(Binary):
    def __init__(self, src, scale, offset, dest, strength):
        self.scale, self.offset = scale, offset
        Binary.__init__(self, src, dest, strength)
    def add_to_graph(self):
        Binary.add_to_graph(self)
        self.scale.constraints.append(self)
        self.offset.constraints.append(self)
    def remove_from_graph(self):
        Binary.remove_from_graph(self)
        self.scale.remove_constraint(self)
        self.offset.remove_constraint(self)
    def mark_inputs(self, mark):
        Binary.mark_inputs(self, mark)
        self.scale.mark = self.offset.mark = mark
    def execute(self):
        if self.direction == FORWARD:
            self.v2.value = self.v1.value * self.scale.value + self.offset.value
        else:
            self.v1.value = (self.v2.value - self.offset.value) // self.scale.value
    def recalculate(self):
        ihn, out = self.input(), self.output()
        out.walk_strength = max(self.strength, ihn.walk_strength)
        out.stay = ihn.stay and self.scale.stay and self.offset.stay
        if out.stay:
            self.execute()
class Planner:
    def __init__(self):
        self.current_mark = 0
    def new_mark(self):
        self.current_mark += 1
        return self.current_mark
    def incremental_add(self, c):
        mark = self.new_mark()
        overridden = c.satisfy(mark)
        while overridden is not None:
            overridden = overridden.satisfy(mark)
    def incremental_remove(self, c):
        out = c.output()
        c.mark_unsatisfied()
        c.remove_from_graph()
        unsatisfied = self.remove_propagate_from(out)
        for strength in range(REQUIRED, WEAKEST):
            for u in unsatisfied:
                if u.strength == strength:
                    self.incremental_add(u)
    def make_plan(self, sources):
        mark = self.new_mark()
        plan = []
        todo = sources
        while todo:
            c = todo.pop(0)
            out = c.output()
            if out.mark != mark and c.inputs_known(mark):
                plan.append(c)
                out.mark = mark
                self.add_consumers(out, todo)
        return plan
    def plan_for(self, constraints):
        return self.make_plan([c for c in constraints if c.is_input() and c.is_satisfied()])
    def add_propagate(self, c, mark):
        todo = [c]
        while todo:
            d = todo.pop(0)
            if d.output().mark == mark:
                self.incremental_remove(c)
                return False
            d.recalculate()
            self.add_consumers(d.output(), todo)
        return True
    def remove_propagate_from(self, out):
        out.determined_by = None
        out.walk_strength = WEAKEST
        out.stay = True
        unsatisfied = []
        todo = [out]
        while todo:
            v = todo.pop(0)
            for c in v.constraints:
                if not c.is_satisfied():
                    unsatisfied.append(c)
            determining = v.determined_by
            for c in v.constraints:
                if c is not determining and c.is_satisfied():
                    c.recalculate()
                    todo.append(c.output())
        return unsatisfied
    def add_consumers(self, v, todo):
        determining = v.determined_by
        for c in v.constraints:
            if c is not determining and c.is_satisfied():
                todo.append(c)
def run_plan(plan):
    for c in plan:
        c.execute()
def chain_test(n):
    global planner
    planner = Planner()
    prev = first = last = None
    for i in range(n + 1):
        v = Variable()
        if prev is not None:
            Equality(prev, v, REQUIRED)
        if i == 0:
            first = v
        if i == n:
            last = v
        prev = v
    Stay(last, STRONG_DEFAULT)
    edit = Edit(first, PREFERRED)
    plan = planner.plan_for([edit])
    total = 0
    for i in range(100):
        first.value = i
        run_plan(plan)
        if last.value != i:
            raise RuntimeError("chain test failed")
        total += last.value
    return total
def change(v, value):
    edit = Edit(v, PREFERRED)
    plan = planner.plan_for([edit])
    for _ in range(10):
        v.value = value
        run_plan(plan)
    edit.destroy()
def projection_test(n):
    global planner
    planner = Planner()
    scale, offset = Variable(10), Variable(1000)
    src = dst = None
    dests = []
    for i in range(n):
        src, dst = Variable(i), Variable(i)
        dests.append(dst)
        Stay(src, NORMAL)
        Scale(src, scale, offset, dst, REQUIRED)
    change(src, 17)
    if dst.value != 1170:
        raise RuntimeError("projection test 1 failed")
    change(dst, 1050)
    if src.value != 5:
        raise RuntimeError("projection test 2 failed")
    change(scale, 5)
    if any(dests[i].value != i * 5 + 1000 for i in range(n - 1)):
        raise RuntimeError("projection test 3 failed")
    change(offset, 2000)
    if any(dests[i].value != i * 5 + 2000 for i in range(n - 1)):
        raise RuntimeError("projection test 4 failed")
    return sum(d.value for d in dests)
t = time.perf_counter()
check = 0
for _ in range(N):
    check += chain_test(100) + projection_test(100) + planner.current_mark
print(f"ELAPSED {time.perf_counter() - t:.6f} CHECK {check}")
'''),
    "chaos": (20000, '''
import random, time
class GVector:
    def __init__(self, x=0.0, y=0.0):
        self.x = x
        self.y = y
    def __add__(self, other):
        return GVector(self.x + other.x, self.y + other.y)
    def __mul__(self, k):
        return GVector(self.x * k, self.y * k)
    def linear_combination(self, other, l1, l2):
        return GVector(self.x * l1 + other.x * l2, self.y * l1 + other.y * l2)
class Bezier:
    def __init__(self, points):
        self.points = points
    def __call__(self, t):
        pts = self.points
        while len(pts) > 1:
            pts = [pts[i].linear_combination(pts[i + 1], 1.0 - t, t) for i in range(len(pts) - 1)]
        return pts[0]
def chaos(n):
    rng = random.Random(20261207)
    curves = [Bezier([GVector(rng.random(), rng.random()) for _ in range(4)]) for _ in range(3)]
    weights = [0.5, 0.8, 1.0]
    size = 128
    grid = [[0] * size for _ in range(size)]
    p = GVector(0.5, 0.5)
    for _ in range(n):
        r = rng.random()
        curve = curves[0] if r < weights[0] else (curves[1] if r < weights[1] else curves[2])
        q = curve(p.x)
        p = q.linear_combination(p + GVector(0.01, 0.0) * r, 0.5, 0.5)
        x = min(max(p.x, 0.0), 1.0)
        y = min(max(p.y, 0.0), 1.0)
        p = GVector(x, y)
        grid[int(y * (size - 1))][int(x * (size - 1))] += 1
    return sum(v * (i + 1) for i, row in enumerate(grid) for v in row), sum(1 for row in grid for v in row if v)
t = time.perf_counter()
check = chaos(N)
print(f"ELAPSED {time.perf_counter() - t:.6f} CHECK {check[0]}/{check[1]}")
'''),
    "unpack_sequence": (150000, '''
import time
def run(n):
    tup = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
    lst = list(tup)
    total = 0
    for _ in range(n):
        a, b, c, d, e, f, g, h, i, j = tup
        a, b, c, d, e, f, g, h, i, j = lst
        a, b, c, d, e, f, g, h, i, j = tup
        a, b, c, d, e, f, g, h, i, j = lst
        a, b, c, d, e, f, g, h, i, j = tup
        a, b, c, d, e, f, g, h, i, j = lst
        a, b, c, d, e, f, g, h, i, j = tup
        a, b, c, d, e, f, g, h, i, j = lst
        a, *rest, j = tup
        a, *rest, j = lst
        x, y = 1, 2
        x, y = y, x
        x, y, z = x, y, a
        total += a + j + x + len(rest)
    return total
t = time.perf_counter()
check = run(N)
print(f"ELAPSED {time.perf_counter() - t:.6f} CHECK {check}")
'''),
    "generators": (250, '''
import time
class Tree:
    __slots__ = ("left", "value", "right")
    def __init__(self, left, value, right):
        self.left = left
        self.value = value
        self.right = right
def build(lo, hi):
    if lo >= hi:
        return None
    mid = (lo + hi) // 2
    return Tree(build(lo, mid), mid, build(mid + 1, hi))
def walk(node):
    if node.left is not None:
        yield from walk(node.left)
    yield node.value
    if node.right is not None:
        yield from walk(node.right)
def evens(it):
    for x in it:
        if not x & 1:
            yield x
def run(n):
    tree = build(0, 1000)
    total = 0
    for r in range(n):
        total += sum(walk(tree))
        total += sum(x * r for x in evens(range(1000)))
    return total
t = time.perf_counter()
check = run(N)
print(f"ELAPSED {time.perf_counter() - t:.6f} CHECK {check}")
'''),
    "deepcopy": (1000, '''
import copy, time
class Record:
    def __init__(self, i):
        self.ident = i
        self.name = f"record-{i}"
        self.tags = ["x", "y", str(i)]
        self.extra = {"i": i, "pair": (i, i + 1)}
doc = {
    "numbers": list(range(40)),
    "nested": {"a": [1, 2, {"b": (3, 4, "five")}], "c": {"d": {"e": [None, True, 1.5]}}},
    "records": [Record(i) for i in range(12)],
    "shared": None,
}
doc["shared"] = doc["records"][:4]
t = time.perf_counter()
check = 0
for _ in range(N):
    c = copy.deepcopy(doc)
    check += len(c["numbers"]) + c["records"][7].ident + (c["shared"][0] is c["records"][0])
print(f"ELAPSED {time.perf_counter() - t:.6f} CHECK {check}")
'''),
}
# The project's own five kernels (the first round's figure); the rest are the wider
# pyperformance-style set, written for this file (not pyperformance's code).
PROJECT_KERNELS = tuple(KERNELS)[:5]


# ---------------------------------------------------------------------------------------------
# Worker side: one process per system; the three adapters give the rows one vocabulary.
# ---------------------------------------------------------------------------------------------


class NativeRunner:
    """exec() into a namespace; print() is rebound per namespace so threads don't share a stdout."""

    def __init__(self):
        out = self.out = []
        self.ns = {"__name__": "__main__", "print": lambda *a, **k: out.append(" ".join(map(str, a)))}

    def run(self, code):
        del self.out[:]
        exec(code, self.ns)
        return "\n".join(self.out)


class NativeSystem:
    na_sandbox = "no sandbox: exec() into the same process"

    def sandbox(self, generous=False):
        return NativeRunner()

    def session(self):
        return NativeRunner()

    def fresh_run(self, code):
        return NativeRunner().run(code)


class EryxLikeSystem:
    """This project's eryx and pyeryx: same names, a few differences in keywords and result types."""

    def __init__(self, name):
        import eryx

        self.eryx = eryx
        self.pyeryx = name == "pyeryx"

    def _limits(self, generous):
        if not generous:
            return None  # defaults: 30 s timeout, 128 MiB in both
        return self.eryx.ResourceLimits(
            execution_timeout_ms=60000, max_memory_bytes=512 * MB, max_fuel=None
        )

    def _text(self, result):
        return result.stdout_text if self.pyeryx else result.stdout

    def sandbox(self, generous=False):
        box = self.eryx.Sandbox(resource_limits=self._limits(generous))
        return _Wrapped(box, self._text)

    def session(self):
        return _Wrapped(self.eryx.Session(), self._text)

    def fresh_run(self, code):
        return self._text(self.eryx.Sandbox().execute(code))

    def factory(self, imports):
        return self.eryx.SandboxFactory(imports=imports)


class _Wrapped:
    __slots__ = ("obj", "text")

    def __init__(self, obj, text):
        self.obj = obj
        self.text = text

    def run(self, code):
        return self.text(self.obj.execute(code))


def samples_ms(fn, n, budget_s, warmup=5):
    """Up to n timed calls, fewer once budget_s is spent (at least one)."""
    for _ in range(warmup):
        fn()
    out = []
    deadline = time.perf_counter() + budget_s
    while len(out) < n and (not out or time.perf_counter() < deadline):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def memory_kb():
    """(Private_Dirty, VmRSS) of this process in KiB."""
    private = rss = None
    try:
        with open("/proc/self/smaps_rollup") as f:
            for line in f:
                if line.startswith("Private_Dirty:"):
                    private = int(line.split()[1])
    except OSError:
        pass
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return (private if private is not None else rss), rss


def idle_memory(make, count):
    import gc

    keep = make()
    keep.run("pass")  # loads whatever is shared (runtime, module) before the baseline
    gc.collect()
    time.sleep(0.3)  # let background work (pyeryx pre-instantiates the next instance) settle
    before = memory_kb()
    boxes = []
    for i in range(count):
        box = make()
        box.run(f"x = {i}")
        boxes.append(box)
    gc.collect()
    time.sleep(0.3)
    after = memory_kb()
    return {
        "private_mb": (after[0] - before[0]) / 1024 / count,
        "rss_mb": (after[1] - before[1]) / 1024 / count,
    }


def throughput(make, threads, seconds):
    boxes = [make() for _ in range(threads)]
    for box in boxes:
        box.run(TRIVIAL)
    counts = [0] * threads
    gate = threading.Barrier(threads + 1)

    def loop(i):
        box = boxes[i]
        gate.wait()
        end = time.perf_counter() + seconds
        n = 0
        while time.perf_counter() < end:
            box.run(TRIVIAL)
            n += 1
        counts[i] = n

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    gate.wait()
    start = time.perf_counter()
    for w in workers:
        w.join()
    return sum(counts) / (time.perf_counter() - start)


FIRST_SANDBOX_CHILD = {
    "sandbox": (
        "import time, json\nt0 = time.monotonic()\nimport eryx\nt1 = time.monotonic()\n"
        "eryx.Sandbox().execute('pass')\nt2 = time.monotonic()\nprint(json.dumps([t0, t1, t2]))\n"
    ),
    "native": (
        "import time, json\nt0 = time.monotonic()\nt1 = time.monotonic()\n"
        "exec('pass', {})\nt2 = time.monotonic()\nprint(json.dumps([t0, t1, t2]))\n"
    ),
}


def first_sandbox(kind, samples):
    """Fresh interpreter per sample; CLOCK_MONOTONIC is system-wide, so the child's stamps compare
    with the parent's spawn time."""
    rows = {"first_total": [], "first_interp": [], "first_import": [], "first_sandbox": []}
    with tempfile.TemporaryDirectory() as cwd:
        for _ in range(samples):
            start = time.monotonic()
            out = subprocess.run(
                [sys.executable, "-c", FIRST_SANDBOX_CHILD[kind]],
                cwd=cwd, capture_output=True, text=True, check=True,
            ).stdout
            t0, t1, t2 = json.loads(out.strip().splitlines()[-1])
            rows["first_total"].append((t2 - start) * 1000)
            rows["first_interp"].append((t0 - start) * 1000)
            rows["first_import"].append((t1 - t0) * 1000)
            rows["first_sandbox"].append((t2 - t1) * 1000)
    return rows


def cli_command(kind):
    """The system's command-line tool running `pass`: eryx's C++ CLI (build/eryx), pyeryx's `eryx`
    console script (Python), or the native interpreter itself."""
    if kind == "native":
        return [sys.executable, "-c", "pass"]
    if kind == "eryx":
        tool = os.path.join(REPO_ROOT, "build", "eryx")
    else:
        tool = os.path.join(os.path.dirname(sys.executable), "eryx")
    if not os.access(tool, os.X_OK):
        raise FileNotFoundError(f"no CLI at {tool}")
    return [tool, "-c", "pass"]


def first_cli(kind, samples):
    """Spawn -> exit of a fresh CLI process that runs `pass` in its first sandbox."""
    cmd = cli_command(kind)
    subprocess.run(cmd, capture_output=True, check=True)  # page cache warm, like the other rows
    times = []
    with tempfile.TemporaryDirectory() as cwd:
        for _ in range(samples):
            start = time.monotonic()
            subprocess.run(cmd, cwd=cwd, capture_output=True, check=True)
            times.append((time.monotonic() - start) * 1000)
    return times


def compute(system, reps, names):
    out = {}
    for name in names:
        size, src = KERNELS[name]
        box = system.sandbox(generous=True)
        code = f"N = {size}\n{src}"
        elapsed, cpu, check = [], [], None
        for _ in range(reps):
            # Process CPU time (all threads) as well: on a loaded machine wall time mostly measures
            # the wait for a core, CPU time much less so. It includes the sandbox's start-up (~ms).
            c = time.process_time()
            words = box.run(code).split()
            cpu.append(time.process_time() - c)
            elapsed.append(float(words[words.index("ELAPSED") + 1]))
            check = words[words.index("CHECK") + 1]
        out[name] = {"samples": elapsed, "cpu": cpu, "check": check}
    return out


def worker(kind, quick, compute_only=False, kernels=None):
    q = quick
    system = NativeSystem() if kind == "native" else EryxLikeSystem(kind)
    res = {"meta": {"python": sys.version.split()[0], "executable": sys.executable}, "rows": {}}
    rows = res["rows"]
    names = kernels or list(KERNELS)

    def row(key, fn):
        try:
            rows[key] = fn()
        except Exception as e:  # one failing row must not lose the others
            rows[key] = {"error": describe(e)}

    if kind != "native":
        res["meta"]["module"] = system.eryx.__file__
        from importlib import metadata

        res["meta"]["version"] = metadata.version(kind)
    res["meta"]["guest_python"] = system.fresh_run("import sys\nprint(sys.version.split()[0])").strip()
    if compute_only:
        try:
            res["compute"] = compute(system, 1 if q else 3, names)
        except Exception as e:
            res["compute"] = {"error": describe(e)}
        return res

    row("create_pass", lambda: {"samples": samples_ms(
        lambda: system.sandbox().run("pass"), 30 if q else 200, 10)})
    row("create_imports3", lambda: {"samples": samples_ms(
        lambda: system.sandbox().run(THREE_IMPORTS), 30 if q else 200, 10)})
    row("create_realistic", lambda: {"samples": samples_ms(
        lambda: system.sandbox().run(REALISTIC), 15 if q else 100, 10)})

    def session_inc():
        s = system.session()
        s.run("x = 0")
        return {"samples": samples_ms(lambda: s.run("x += 1"), 50 if q else 500, 10)}

    row("session_inc", session_inc)

    if kind == "native":
        rows["factory3"] = rows["factory3_first"] = {"na": "no factory: nothing to snapshot"}
    else:
        def factory3():
            made = []
            samples = samples_ms(lambda: made.append(system.factory(FACTORY_IMPORTS)),
                                 1 if q else 5, 20, warmup=0)
            # The built factory must work (its snapshot holds the three modules).
            made[-1].create_sandbox().execute("import json, re, datetime")
            # The first build of a process pays one-time set-up that later builds reuse: its own row.
            rows["factory3_first"] = {"samples": samples[:1]}
            return {"samples": samples}

        row("factory3", factory3)

    try:
        got = first_sandbox("native" if kind == "native" else "sandbox", 2 if q else 5)
        rows.update({k: {"samples": v} for k, v in got.items()})
    except Exception as e:
        for k in ("first_total", "first_interp", "first_import", "first_sandbox"):
            rows[k] = {"error": describe(e)}
    if kind == "native":
        rows["first_import"] = {"na": "nothing to import"}
        rows["first_own"] = {"na": "nothing to import"}
    elif "samples" in rows.get("first_import", {}) and "samples" in rows.get("first_sandbox", {}):
        rows["first_own"] = {"samples": [a + b for a, b in zip(rows["first_import"]["samples"],
                                                              rows["first_sandbox"]["samples"])]}
    row("first_cli", lambda: {"samples": first_cli(kind, 3 if q else 10)})

    count = 30 if q else 100
    if kind == "native":
        rows["mem_sandbox"] = rows["mem_session"] = {"na": NativeSystem.na_sandbox}
    else:
        row("mem_sandbox", lambda: idle_memory(system.sandbox, count))
        row("mem_session", lambda: idle_memory(system.session, count))

    secs = 0.5 if q else 2.0
    row("tput_1", lambda: {"value": throughput(system.sandbox, 1, secs)})
    row("tput_2", lambda: {"value": throughput(system.sandbox, 2, secs)})

    try:
        res["compute"] = compute(system, 1 if q else 3, names)
    except Exception as e:
        res["compute"] = {"error": describe(e)}
    return res


def describe(e):
    lines = f"{type(e).__name__}: {e}".strip().splitlines()  # a guest traceback: keep its ends
    return (lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}")[:300]


# ---------------------------------------------------------------------------------------------
# Driver side: find the interpreters, install pyeryx, run the rounds, print the table.
# ---------------------------------------------------------------------------------------------


def cache_root():
    return os.environ.get("ERYX_CACHE_ROOT") or os.path.expanduser("~/.cache/eryx")


def find_native_python():
    explicit = os.environ.get("ERYX_NATIVE_PYTHON")
    if explicit:
        return explicit, None
    best = None
    for d in glob.glob(os.path.join(cache_root(), "cpython-native-*")):
        manifest = os.path.join(d, "MANIFEST")
        pythons = [p for p in glob.glob(os.path.join(d, "bin", "python3.*")) if not p.endswith("-config")]
        if os.path.isfile(manifest) and pythons:
            key = os.path.getmtime(manifest)
            if best is None or key > best[0]:
                best = (key, sorted(pythons)[0])
    if best is None:
        return None, f"no {cache_root()}/cpython-native-*/ with a MANIFEST (build the guest first)"
    return best[1], None


def clean_env():
    env = dict(os.environ)
    for k in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"):
        env.pop(k, None)
    return env


def run_quiet(cmd, timeout=600):
    return subprocess.run(cmd, capture_output=True, text=True, env=clean_env(), timeout=timeout)


def last_line(text):
    lines = [l for l in (text or "").strip().splitlines() if l.strip()]
    return lines[-1][:300] if lines else "(no output)"


def ensure_pyeryx(native):
    """Returns (venv python, None) or (None, reason)."""
    venv = os.path.join(cache_root(), f"bench-pyeryx-venv-{PYERYX_VERSION}")
    py = os.path.join(venv, "bin", "python")
    probe = [py, "-c", "from importlib import metadata; print(metadata.version('pyeryx'))"]
    if os.path.exists(py) and run_quiet(probe).stdout.strip() == PYERYX_VERSION:
        return py, None
    has = {m: run_quiet([native, "-c", f"import {m}"]).returncode == 0 for m in ("ssl", "venv", "ensurepip")}
    if not has["venv"]:
        return None, f"{native} has no venv module"
    # pip inside the venv needs ensurepip to exist and ssl to reach the index; otherwise drive the
    # install from the host's pip (>= 22.3 has --python).
    own_pip = has["ensurepip"] and has["ssl"]
    cmd = [native, "-m", "venv", "--clear", venv] + ([] if own_pip else ["--without-pip"])
    r = run_quiet(cmd)
    if r.returncode:
        return None, f"venv creation failed: {last_line(r.stderr)}"
    pip = [py, "-m", "pip"] if own_pip else [sys.executable, "-m", "pip", "--python", py]
    print(f"installing pyeryx=={PYERYX_VERSION} into {venv} ...", file=sys.stderr)
    r = run_quiet(pip + ["install", "--quiet", "--only-binary=:all:", f"pyeryx=={PYERYX_VERSION}"])
    if r.returncode:
        return None, f"pip install failed: {last_line(r.stderr)}"
    if run_quiet(probe).stdout.strip() != PYERYX_VERSION:
        return None, "installed, but `import eryx` in that venv is not pyeryx " + PYERYX_VERSION
    return py, None


def run_worker(python, kind, quick, compute_only=False, kernels=None):
    cmd = [python, os.path.abspath(__file__), "--worker", kind] + (["--quick"] if quick else [])
    cmd += (["--compute-only"] if compute_only else []) + (["--kernels", ",".join(kernels)] if kernels else [])
    with tempfile.TemporaryDirectory() as cwd:
        try:
            r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=clean_env(), timeout=1800)
        except subprocess.TimeoutExpired:
            return {"error": "worker timed out after 1800 s"}
    if r.returncode:
        return {"error": f"worker exited {r.returncode}: {last_line(r.stderr)}"}
    try:
        return json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": f"worker printed no JSON: {last_line(r.stderr or r.stdout)}"}


# Rows of the table: key, label, unit, kind ("time" lower is better, "mem", "rate" higher is better).
ROWS = [
    ("create_pass", "create + execute `pass` (new Sandbox each time), p50", "ms", "time"),
    ("create_imports3", "create + execute `import dataclasses, typing, datetime`, p50", "ms", "time"),
    ("create_realistic", "create + execute a 20-line snippet (csv, dicts, json, f-string), p50", "ms", "time"),
    ("session_inc", "Session execute `x += 1`, p50", "ms", "time"),
    ("factory3_first", "SandboxFactory build, imports json, re, datetime: first in the process", "ms", "time"),
    ("factory3", "SandboxFactory build, same, p50 of up to 5 in a row (20 s budget)", "ms", "time"),
    ("first_total", "first sandbox in a fresh process: spawn -> first `pass` done, p50", "ms", "time"),
    ("first_interp", "... of which interpreter start-up (spawn -> first line)", "ms", "time"),
    ("first_import", "... of which `import eryx`", "ms", "time"),
    ("first_sandbox", "... of which first `Sandbox()` + `execute('pass')`", "ms", "time"),
    ("first_own", "... of which the library's own part: `import eryx` + first sandbox", "ms", "time"),
    ("first_cli", "first sandbox in a fresh process, CLI `eryx -c pass` (native: `python -c pass`): spawn -> exit, p50", "ms", "time"),
    ("mem_sandbox", "private memory per idle `Sandbox` (executed once), Private_Dirty", "MB", "mem"),
    ("mem_session", "private memory per idle `Session` (executed once), Private_Dirty", "MB", "mem"),
    ("tput_1", "executions/s, `Sandbox.execute('x = 1 + 1')`, 1 thread", "/s", "rate"),
    ("tput_2", "executions/s, `Sandbox.execute('x = 1 + 1')`, 2 threads", "/s", "rate"),
]

TARGETS = {
    "create_pass": ("<= 0.5 ms and >= 10x faster than pyeryx", 0.5),
    "session_inc": ("<= 0.05 ms", 0.05),
    "factory3_first": ("<= 1 s", 1000.0),
    "factory3": ("<= 1 s", 1000.0),
    "first_total": ("<= 10 ms", 10.0),
    "first_own": ("<= 10 ms", 10.0),
    "first_cli": ("<= 10 ms", 10.0),
    "mem_sandbox": ("<= 4 MB", 4.0),
    "mem_session": ("<= 4 MB", 4.0),
}


def row_value(r):
    if "samples" in r:
        return statistics.median(r["samples"])
    if "value" in r:
        return r["value"]
    if "private_mb" in r:
        return r["private_mb"]
    return None


def combine(per_round, kind):
    """Best of the per-round values; None plus a reason when no round produced one."""
    vals = [row_value(r) for r in per_round if row_value(r) is not None]
    if vals:
        return (max(vals) if kind == "rate" else min(vals)), None
    for r in per_round:
        if "na" in r:
            return None, "n/a: " + r["na"]
    errs = [r.get("error") for r in per_round if r.get("error")]
    return None, "error: " + (errs[0] if errs else "no data")


def fmt(v, unit):
    if unit == "ms":
        if v < 0.01:
            return f"{v * 1000:.2f} µs"
        return f"{v:.3f} ms" if v < 1 else (f"{v:.1f} ms" if v < 100 else f"{v:,.0f} ms")
    if unit == "MB":
        return f"{v:.2f} MB" if v >= 0.01 else f"{v * 1024:.1f} KB"
    if unit == "/s":
        return f"{v:,.0f}/s"
    return f"{v:.3g} {unit}"


def versus(mine, other, kind):
    """How eryx compares with another system, in words."""
    if mine is None or other is None or mine <= 0 or other <= 0:
        return "-"
    if kind == "mem" and mine < 0.01:
        return "eryx holds ~nothing"  # below Private_Dirty's resolution over 100 sandboxes: no ratio
    r = other / mine if kind != "rate" else mine / other
    good, bad = {"time": ("faster", "slower"), "mem": ("smaller", "larger"), "rate": ("higher", "lower")}[kind]
    if r >= 1:
        return f"{r:.1f}x {good}" if r < 100 else f"{r:,.0f}x {good}"
    return f"{1 / r:.1f}x {bad}" if 1 / r < 100 else f"{1 / r:,.0f}x {bad}"


def cost_ratio(mine, native, kind):
    if mine is None or native is None or mine <= 0 or native <= 0:
        return "-"
    r = mine / native if kind != "rate" else native / mine
    return f"{r:.2f}x" if r < 10 else f"{r:,.0f}x"


def verdict(key, val, pyeryx_val):
    if key not in TARGETS:
        return ""
    text, limit = TARGETS[key]
    if val is None:
        return text + ": not measured"
    ok = val <= limit
    miss = [] if ok else [f"{val / limit:.2f}x over"]
    if key == "create_pass":
        if pyeryx_val is None:
            miss.append("pyeryx not measured")
        elif pyeryx_val / val < 10:
            ok = False
            miss.append(f"only {pyeryx_val / val:.1f}x faster than pyeryx")
    return f"{text}: **met**" if ok else f"{text}: **missed** ({', '.join(miss)})"


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def machine_line():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}, load average {load}"


def driver(args):
    pythons, unavailable = {}, {}
    pythons["eryx"] = args.eryx_python or os.path.join(REPO_ROOT, ".venv", "bin", "python")
    if not os.path.exists(pythons["eryx"]):
        unavailable["eryx"] = f"{pythons['eryx']} missing (run `make python`)"
    native, why = find_native_python()
    if native:
        pythons["native"] = native
        py, why = ensure_pyeryx(native) if "pyeryx" in args.systems else (None, "not requested")
        if py:
            pythons["pyeryx"] = py
        else:
            unavailable["pyeryx"] = why
    else:
        unavailable["native"] = unavailable["pyeryx"] = why

    systems = [s for s in SYSTEMS if s in args.systems and s not in unavailable]
    for s in SYSTEMS:
        if s not in args.systems and s not in unavailable:
            unavailable[s] = "not requested"
    rounds = 1 if args.quick and args.rounds is None else (args.rounds or 3)
    commit = subprocess.run(["git", "-C", REPO_ROOT, "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip()
    run = {
        "started": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine_line(),
        "commit": commit or "?",
        "env": sorted(k for k in os.environ if k.startswith("ERYX_")),
        "rounds": rounds,
        "quick": args.quick,
        "compute_only": args.compute_only,
        "pythons": pythons,
        "unavailable": unavailable,
    }
    results = run["results"] = {s: [] for s in SYSTEMS}
    for r in range(rounds):
        order = systems[r % len(systems):] + systems[: r % len(systems)] if systems else []
        for s in order:
            t = time.perf_counter()
            print(f"round {r + 1}/{rounds}: {s} ...", file=sys.stderr, flush=True)
            results[s].append(run_worker(pythons[s], s, args.quick, args.compute_only, args.kernels))
            err = results[s][-1].get("error")
            print(f"  {time.perf_counter() - t:.0f} s" + (f"  ({err})" if err else ""), file=sys.stderr)
    for s in systems:
        if all("error" in r for r in results[s]):
            unavailable[s] = "error: " + results[s][0]["error"]
    run["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    if args.json:
        with open(args.json, "w") as f:
            json.dump(run, f, indent=1)
    render(run)
    return 0


def render(run):
    pythons, unavailable, results = run["pythons"], run["unavailable"], run["results"]
    notes = []

    def note(text):
        if text not in notes:
            notes.append(text)
        return f"[{notes.index(text) + 1}]"

    def cell(s, key, kind, unit):
        if s in unavailable:
            return None, ("unavailable " + note(f"{s}: unavailable: {unavailable[s]}"))
        per_round = [x["rows"].get(key, {"error": "row missing"}) for x in results[s] if "rows" in x]
        v, why = combine(per_round, kind)
        if v is None:
            return None, ("n/a " if why.startswith("n/a") else "error ") + note(f"{s}: {why}")
        return v, fmt(v, unit)

    meta = {s: next((x["meta"] for x in results[s] if "meta" in x), {}) for s in SYSTEMS}

    def title(s):
        m = meta[s]
        if not m:
            return s
        version = f" {m['version']}" if m.get("version") else ""
        return f"{s}{version} (guest {m.get('guest_python', '?')}, host {m.get('python', '?')})" \
            if s != "native" else f"native CPython {m.get('python', '?')}"

    lines = [
        f"| row | {title('eryx')} | {title('pyeryx')} | {title('native')} | eryx vs pyeryx | "
        "eryx ÷ native | target (issue 5) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key, label, unit, kind in ([] if run.get("compute_only") else ROWS):
        vals, cells = {}, []
        for s in SYSTEMS:
            vals[s], c = cell(s, key, kind, unit)
            cells.append(c)
        lines.append(
            f"| {label} | {' | '.join(cells)} | {versus(vals['eryx'], vals['pyeryx'], kind)} | "
            f"{cost_ratio(vals['eryx'], vals['native'], kind)} | {verdict(key, vals['eryx'], vals['pyeryx'])} |"
        )

    # Compute kernels: seconds inside the guest; ratio to native per kernel, then the geometric mean.
    kernel_best = {s: {} for s in SYSTEMS}
    cpu_best = {s: {} for s in SYSTEMS}
    checks = {}
    for s in SYSTEMS:
        if s in unavailable:
            continue
        for x in results[s]:
            comp = x.get("compute", {})
            if "error" in comp:
                note(f"{s}: compute kernels failed: {comp['error']}")
                continue
            for name, k in comp.items():
                m = statistics.median(k["samples"])
                kernel_best[s][name] = min(m, kernel_best[s].get(name, m))
                if k.get("cpu"):
                    c = statistics.median(k["cpu"])
                    cpu_best[s][name] = min(c, cpu_best[s].get(name, c))
                checks.setdefault(name, {})[s] = k["check"]
    names = [n for n in KERNELS if any(n in kernel_best[s] for s in SYSTEMS)]
    ratios = {s: {} for s in SYSTEMS}
    for name in names:
        nat = kernel_best["native"].get(name)
        cells = []
        for s in SYSTEMS:
            v = kernel_best[s].get(name)
            if v is None:
                cells.append("unavailable" if s in unavailable else "error")
            elif nat:
                ratios[s][name] = v / nat
                # Process CPU time too: under load the wall time of one worker can be several times
                # its CPU time, and not equally for every system (docs/performance.md).
                c, natc = cpu_best[s].get(name), cpu_best["native"].get(name)
                cpu = f"; CPU {c / natc:.2f}x" if c and natc else ""
                cells.append(f"{v / nat:.2f}x ({v:.3f} s{cpu})")
            else:
                cells.append(f"{v:.3f} s")
        if len(set(checks.get(name, {}).values())) > 1:
            note(f"kernel '{name}': checksums differ between systems: {checks[name]}")
        e, p = kernel_best["eryx"].get(name), kernel_best["pyeryx"].get(name)
        lines.append(f"| compute: {name} (÷ native; seconds inside the guest) | {' | '.join(cells)} | "
                     f"{versus(e, p, 'time')} | {cost_ratio(e, nat, 'time')} | |")
    # Geometric means over the project's five kernels (the first round's figure) and over every kernel
    # measured; a mean is shown only when every kernel of its set was measured.
    subsets = [("the project's 5 kernels", [n for n in PROJECT_KERNELS if n in names]),
               (f"all {len(names)} kernels", names)]
    if len(subsets[0][1]) in (0, len(names)):
        subsets = subsets[1:]
    for label, subset in subsets:
        gm = {s: geomean([ratios[s][n] for n in subset]) if all(n in ratios[s] for n in subset) else None
              for s in SYSTEMS}
        gcells = [f"{gm[s]:.2f}x" if gm[s] else "-" for s in SYSTEMS]
        target = ""
        if gm["eryx"]:
            ok = gm["eryx"] <= 1.8
            target = "<= 1.8x native (issue 15; 1.4x the goal): " + (
                "**met**" if ok else f"**missed** ({gm['eryx'] / 1.8:.2f}x over)")
        lines.append(f"| compute: geometric mean over {label} (÷ native) | {' | '.join(gcells)} | "
                     f"{versus(gm['eryx'], gm['pyeryx'], 'time')} | {gcells[0]} | {target} |")
        cpu_gm = {}
        for s in SYSTEMS:
            rs = [cpu_best[s][n] / cpu_best["native"][n] for n in subset
                  if n in cpu_best[s] and cpu_best["native"].get(n)]
            cpu_gm[s] = geomean(rs) if rs and len(rs) == len(subset) else None
        ccells = [f"{cpu_gm[s]:.2f}x" if cpu_gm[s] else "-" for s in SYSTEMS]
        lines.append(f"| compute: geometric mean over {label} by process CPU time (÷ native; cross-check) | "
                     f"{' | '.join(ccells)} | {versus(cpu_gm['eryx'], cpu_gm['pyeryx'], 'time')} | {ccells[0]} | |")
    # The spread: each round's eryx medians against the best native time, per round.
    spread = []
    for x in results["eryx"] if "eryx" not in unavailable else []:
        comp = x.get("compute", {})
        rs = [statistics.median(comp[n]["samples"]) / kernel_best["native"][n] for n in names
              if n in comp and "samples" in comp[n] and kernel_best["native"].get(n)]
        if rs and len(rs) == len(names):
            spread.append(geomean(rs))
    if len(spread) > 1:
        lines.append(f"| compute: eryx's geometric mean over all kernels, round by round (noise) | "
                     f"{', '.join(f'{g:.2f}x' for g in spread)} | | | | | |")

    print(f"eryx vs pyeryx vs native CPython, measured {run['started']}")
    print(f"machine: {run['machine']} at the start, {run.get('load_after', '?')} at the end")
    print(f"repository: {run['commit']} (the eryx column is whatever .venv holds)")
    print("environment: " + (", ".join(run["env"]) + " set" if run["env"] else "no ERYX_* variables (defaults)"))
    for s in SYSTEMS:
        if s in pythons and s not in unavailable:
            print(f"{s}: {pythons[s]}" + (f"  ({meta[s].get('module')})" if meta[s].get("module") else ""))
    print(
        f"\nHow: {run['rounds']} round(s); each round runs one worker process per system, one after another "
        "(order rotated per round), each measuring every row; a cell is the best of the per-round "
        f"medians.{' Quick mode: fewer samples.' if run['quick'] else ''} Sandboxes use default "
        "limits, except the compute kernels (timeout 60 s, 512 MiB, no fuel). Native runs the same "
        "source with exec() into a fresh dict (a new dict per 'sandbox'), compile included. On a loaded "
        "machine trust the CPU-time ratios of the compute rows more than the wall-time ones.\n"
    )
    print("\n".join(lines))
    if notes:
        print()
        for i, n in enumerate(notes, 1):
            print(f"[{i}] {n}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="one round, fewer samples")
    p.add_argument("--rounds", type=int, help="rounds (default 3, or 1 with --quick)")
    p.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated subset of " + ",".join(SYSTEMS))
    p.add_argument("--eryx-python", help="interpreter with this project's eryx (default: <repo>/.venv/bin/python)")
    p.add_argument("--compute-only", action="store_true", help="measure only the compute kernels")
    p.add_argument("--kernels", help="comma-separated subset of the compute kernels (default: all): " +
                   ", ".join(KERNELS))
    p.add_argument("--json", help="also write the raw per-round results here")
    p.add_argument("--from-json", help="print the table of a run saved with --json, measuring nothing")
    p.add_argument("--worker", choices=SYSTEMS, help=argparse.SUPPRESS)
    args = p.parse_args()
    kernels = [k.strip() for k in args.kernels.split(",") if k.strip()] if args.kernels else None
    unknown = [k for k in kernels or [] if k not in KERNELS]
    if unknown:
        p.error(f"unknown kernel(s) {', '.join(unknown)}; known: {', '.join(KERNELS)}")
    args.kernels = kernels
    if args.worker:
        print(json.dumps(worker(args.worker, args.quick, args.compute_only, kernels)))
        return 0
    if args.from_json:
        with open(args.from_json) as f:
            render(json.load(f))
        return 0
    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    return driver(args)


if __name__ == "__main__":
    sys.exit(main())
