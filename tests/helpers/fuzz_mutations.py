"""Seeded mutations of scenario, override and sweep files for the loader fuzz tests.

Every generator takes a ``random.Random`` (never the global one) and returns ``Mutation``s: a name,
the bytes of the mutated file, and ``parsed``: whether the bytes still parse as a YAML mapping (then
a refusal must name a field, not only the file). Hostile files that do not depend on a shipped file
(alias bombs, deep nesting, python tags) come from ``hostile_files``.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

Path_ = tuple[Any, ...]

SWAPS: tuple[Any, ...] = ("some text", 12345, -7.5, [1, "two"], {"x": 1}, None, True, "2023-10-31", "")
"""Replacement values of other types (and odd values of the same type)."""
NUMBERS: tuple[str, ...] = ("neg", "1e308", "inf", "-inf", "nan", "zero", "huge_int", "tiny")
BAD_NAMES: tuple[str, ...] = ("nowhere", "", "KIDAL", "gao ", "../gao")
TRAVERSALS: tuple[str, ...] = ("../../escape", "/tmp/abs", "a/b/../../c", "..", "con\x00nul", "é" * 300)


@dataclass(frozen=True)
class Mutation:
    """One mutated file: ``name`` (for reports), ``content`` (bytes), ``parsed`` (still a mapping),
    ``refuse`` (must be refused)."""

    name: str
    content: bytes
    parsed: bool
    refuse: bool = False
    """The strict rules must refuse it (a boolean as a number, a duplicate key, a tag, ``24:00``
    as hours): accepting it is a failure of the fuzz."""


def dump(data: Any) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode("utf-8")


def walk(node: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """Every path (mapping key or list index) below ``node``, depth first."""
    if isinstance(node, dict):
        items: Any = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for k, v in items:
        yield (*prefix, k)
        yield from walk(v, (*prefix, k))


def get(data: Any, path: Path_) -> Any:
    for k in path:
        data = data[k]
    return data


def _put(data: Any, path: Path_, value: Any) -> Any:
    out = copy.deepcopy(data)
    get(out, path[:-1])[path[-1]] = value
    return out


def _drop(data: Any, path: Path_) -> Any:
    out = copy.deepcopy(data)
    del get(out, path[:-1])[path[-1]]
    return out


def dotted(path: Path_) -> str:
    return ".".join(str(k) for k in path)


def _number(x: float | int, how: str) -> Any:
    return {
        "neg": -x if x else -1, "1e308": 1e308, "inf": math.inf, "-inf": -math.inf, "nan": math.nan,
        "zero": 0, "huge_int": 10**30, "tiny": 5e-324,
    }[how]


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _sample(rng: random.Random, items: list[Any], k: int) -> list[Any]:
    return rng.sample(items, min(k, len(items)))


def structural(data: dict[str, Any], rng: random.Random, n_delete: int, n_swap: int, n_number: int,
               n_unknown: int) -> list[Mutation]:
    """Delete keys, swap types, negate and blow up numbers, add unknown keys (paths sampled at every
    depth; the top-level keys are always among the deleted ones)."""
    paths = list(walk(data))
    out = []
    top = [(k,) for k in data]
    deeper = [p for p in paths if len(p) > 1]
    for p in _sample(rng, top, max(1, n_delete // 3)) + _sample(rng, deeper, n_delete - max(1, n_delete // 3)):
        out.append(Mutation(f"delete {dotted(p)}", dump(_drop(data, p)), True))
    for p in _sample(rng, paths, n_swap):
        v = rng.choice([s for s in SWAPS if type(s) is not type(get(data, p))])
        out.append(Mutation(f"swap {dotted(p)}={v!r}", dump(_put(data, p, v)), True))
    numeric = [p for p in paths if _is_number(get(data, p))]
    for p in _sample(rng, numeric, n_number):
        how = rng.choice(NUMBERS)
        out.append(Mutation(f"number {dotted(p)} {how}", dump(_put(data, p, _number(get(data, p), how))), True))
    blocks = [()] + [p for p in paths if isinstance(get(data, p), dict)]
    for p in _sample(rng, blocks, n_unknown):
        block = copy.deepcopy(data)
        get(block, p)["zz_unknown_key"] = 1
        out.append(Mutation(f"unknown key {dotted((*p, 'zz_unknown_key'))}", dump(block), True))
    return out


def references(data: dict[str, Any], rng: random.Random) -> list[Mutation]:
    """Roads, lifts, hubs, routes and cargo naming sites, classes or levels that do not exist."""
    out = []
    targets: list[Path_] = []
    for i, _ in enumerate(data.get("roads", [])):
        targets += [("roads", i, "from"), ("roads", i, "to"), ("roads", i, "terrain"), ("roads", i, "threat")]
    for name, lift in data.get("fleet", {}).get("lifts", {}).items():
        targets.append(("fleet", "lifts", name, "hub"))
        targets += [("fleet", "lifts", name, "serves", j) for j in range(len(lift.get("serves", [])))]
    for name, site in data.get("sites", {}).items():
        if "hub" in site:
            targets.append(("sites", name, "hub"))
        if site.get("kind") == "base":
            targets.append(("sites", name, "kind"))
    for base, route in data.get("routing", {}).get("pinned", {}).items():
        targets += [("routing", "pinned", base, j) for j in range(len(route))]
    for p in _sample(rng, targets, 10):
        bad = rng.choice(BAD_NAMES)
        out.append(Mutation(f"reference {dotted(p)}={bad!r}", dump(_put(data, p, bad)), True))
    for name, site in data.get("sites", {}).items():  # cargo of an unknown class
        if site.get("cargo"):
            block = copy.deepcopy(data)
            block["sites"][name]["cargo"]["zz_unknown_class"] = 3
            out.append(Mutation(f"reference sites.{name}.cargo.zz_unknown_class", dump(block), True))
            break
    if data.get("cargo_classes"):  # a class the sites use, removed
        cls = rng.choice(sorted(data["cargo_classes"]))
        out.append(Mutation(f"reference delete cargo_classes.{cls}", dump(_drop(data, ("cargo_classes", cls))), True))
    return out


def names(data: dict[str, Any], rng: random.Random) -> list[Mutation]:
    """Scenario names that look like paths: the run id made from them must stay in the results root."""
    if "name" not in data:
        return []
    return [Mutation(f"name {n!r}", dump(_put(data, ("name",), n)), True) for n in _sample(rng, list(TRAVERSALS), 3)]


def textual(raw: bytes, rng: random.Random, n_cut: int) -> list[Mutation]:
    """Byte-level damage: truncation, invalid UTF-8, BOMs, tabs, NULs, CR line ends, lone surrogates."""
    out = []
    for at in sorted(rng.sample(range(1, len(raw)), min(n_cut, len(raw) - 1))):
        out.append(Mutation(f"truncated at byte {at}", raw[:at], False))
    at = rng.randrange(len(raw))
    out.append(Mutation(f"invalid UTF-8 at byte {at}", raw[:at] + b"\xff\xfe\xc3" + raw[at:], False))
    out.append(Mutation("latin-1 text", raw.replace(b"\n", "\n# caf\xe9\n".encode("latin-1"), 1), False))
    out.append(Mutation("UTF-8 BOM", b"\xef\xbb\xbf" + raw, True))
    out.append(Mutation("UTF-16 BOM", b"\xff\xfe" + raw.decode("utf-8").encode("utf-16-le"), False))
    lines = raw.split(b"\n")
    j = rng.choice([i for i, line in enumerate(lines) if line.startswith(b"  ")] or [0])
    tabbed = b"\n".join(line.replace(b"  ", b"\t", 1) if i == j else line for i, line in enumerate(lines))
    out.append(Mutation(f"tab indent on line {j + 1}", tabbed, False))
    out.append(Mutation("tabs after colons", raw.replace(b": ", b":\t"), False))
    at = rng.randrange(len(raw))
    out.append(Mutation(f"NUL at byte {at}", raw[:at] + b"\x00" + raw[at:], False))
    out.append(Mutation("CRLF line ends", raw.replace(b"\n", b"\r\n"), True))
    out.append(Mutation("surrogate escape", raw + b'\nzz_surrogate: "\\ud800"\n', False))
    return out


def yaml_tricks(data: dict[str, Any], raw: bytes) -> list[Mutation]:
    """Anchors and merge keys (legal YAML), python tags, custom tags, duplicate keys, odd scalars."""
    out = [
        Mutation("python object tag appended",
                 raw + b"\nzz_exploit: !!python/object/apply:os.system ['echo pwned']\n", False),
        Mutation("python name tag as the name",
                 raw.replace(b"name:", b"name: !!python/name:os.system\nzz_old_name:", 1), False),
        Mutation("custom tag", raw + b"\nzz_tag: !secret value\n", False),
        Mutation("duplicate top key", raw + b"\nname: second_name\n", True),
        Mutation("binary tag", raw + b"\nzz_bin: !!binary aGVsbG8=\n", False),
        Mutation("set tag", raw + b"\nzz_set: !!set {a, b}\n", False),
        Mutation("document stream", raw + b"\n---\nname: another\n", False),
        Mutation("only a document end", b"...\n", False),
    ]
    if isinstance(data.get("run"), dict):
        anchored = b"zz_anchor: &blk\n  seed: 3\n  replications: 5\n" + raw.replace(b"\nrun:", b"\nrun_old:", 1)
        anchored += b"\nrun:\n  <<: *blk\n"
        out.append(Mutation("anchor and merge key", anchored.replace(b"\nrun_old:", b"\nzz_run_old:", 1), True))
    return out


def override_mutations(data: dict[str, Any], raw: bytes, rng: random.Random, n_cut: int) -> list[Mutation]:
    """Counterfactual override files (a flat mapping of dotted path → value)."""
    out = []
    keys = list(data)
    for k in keys:
        v = data[k]
        out.append(Mutation(f"swap {k}", dump({**data, k: rng.choice([s for s in SWAPS if type(s) is not type(v)])}),
                            True))
        if _is_number(v):
            how = rng.choice(NUMBERS)
            out.append(Mutation(f"number {k} {how}", dump({**data, k: _number(v, how)}), True))
    k = rng.choice(keys)
    parts = k.split(".")
    out.append(Mutation(f"misspelt path {k}x", dump({**{kk: vv for kk, vv in data.items() if kk != k},
                                                     k + "x": data[k]}), True))
    if len(parts) > 1:
        bad = ".".join([parts[0], "nowhere", *parts[2:]]) if len(parts) > 2 else f"{parts[0]}.nowhere"
        out.append(Mutation(f"unknown path {bad}", dump({bad: data[k]}), True))
    out.append(Mutation("index out of range", dump({"roads.99.km": 5}), True))
    out.append(Mutation("path into a value", dump({"name.first": "x"}), True))
    out.append(Mutation("empty path", dump({"": 1}), True))
    out.append(Mutation("dots only", dump({"...": 1}), True))
    out.append(Mutation("number key", b"3: 4\n", True))
    out.append(Mutation("remove a required block", dump({"calendar": None}), True))
    out.append(Mutation("list, not a mapping", dump([data]), False))
    out.extend(textual(raw, rng, n_cut))
    return out


def sweep_mutations(data: dict[str, Any], raw: bytes, rng: random.Random, n: int, n_cut: int) -> list[Mutation]:
    """Sweep and sensitivity files: structural mutations plus design-specific blow-ups."""
    out = structural(data, rng, n_delete=n // 3, n_swap=n // 3, n_number=n // 4, n_unknown=2)
    design = data.get("design")
    if isinstance(design, dict):
        params = design.get("parameters", {})
        p = next(iter(params))
        for name, spec in (
            ("step 0", {"range": [0, 1, 0]}), ("tiny step", {"range": [0.0, 1.0, 1e-300]}),
            ("negative step", {"range": [0, 1, -1]}), ("step inf", {"range": [0, 1, math.inf]}),
            ("num huge", {"low": 0.0, "high": 1.0, "num": 10**12}), ("nan bounds", {"low": math.nan, "high": 1}),
            ("inf bounds", {"low": 0, "high": math.inf, "num": 3}), ("date step 0", {"range": ["2023-10-01",
                                                                                           "2023-11-01", 0]}),
            ("values empty", {"values": []}), ("huge grid", {"low": 0.0, "high": 1.0, "num": 10**6}),
        ):
            d = copy.deepcopy(data)
            d["design"]["parameters"][p] = spec
            out.append(Mutation(f"design {p} {name}", dump(d), True))
        for n_pts in (0, -5, 10**9, 2**40):
            d = copy.deepcopy(data)
            d["design"]["n"] = n_pts
            out.append(Mutation(f"design.n={n_pts}", dump(d), True))
        d = copy.deepcopy(data)
        d["design"]["parameters"]["nowhere.p_grant"] = [0.1]
        out.append(Mutation("design unknown path", dump(d), True))
    for sc in ("/etc/passwd", "../nowhere.yaml", "", ".", "sweeps"):
        out.append(Mutation(f"scenario={sc!r}", dump({**data, "scenario": sc}), True))
    out.extend(textual(raw, rng, n_cut))
    return out


def hostile_files() -> list[Mutation]:
    """Files that attack the parser itself, whatever the scenario."""
    laughs = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    laughs += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    wide = "".join(f"k{i}: &k{i} [*k{i - 1}, *k{i - 1}]\n" if i else "k0: &k0 [x, x]\n" for i in range(40))
    return [
        Mutation("billion laughs", ("\n".join(laughs) + "\n").encode(), False),
        Mutation("doubling alias chain", wide.encode(), False),
        Mutation("deep flow nesting", b"name: " + b"[" * 100_000 + b"]" * 100_000 + b"\n", False),
        Mutation("deep block nesting", "".join(" " * i + f"k{i}:\n" for i in range(3000)).encode(), False),
        Mutation("deep mapping nesting", b"name: " + b"{a: " * 5000 + b"1" + b"}" * 5000 + b"\n", False),
        Mutation("python object apply", b"!!python/object/apply:os.system ['echo pwned']\n", False),
        Mutation("python object new", b"name: !!python/object/new:os.system [echo pwned]\n", False),
        Mutation("python module", b"name: !!python/module:os\n", False),
        Mutation("recursive alias", b"a: &a [*a]\n", False),
        Mutation("self-merging key", b"a: &a {b: 1, <<: *a}\n", False),
        Mutation("huge integer", b"name: " + b"9" * 100_000 + b"\n", False),
        Mutation("long line", b"name: " + b"x" * 400_000 + b"\n", False),
        Mutation("many keys", "".join(f"k{i}: {i}\n" for i in range(20_000)).encode(), False),
        Mutation("impossible date", b"calendar: {start: 2023-13-45, deadline: 2023-12-31}\n", False),
        Mutation("timestamp year 0", b"calendar: {start: 0000-01-01, deadline: 9999-12-31}\n", False),
        Mutation("only NULs", b"\x00" * 100, False),
        Mutation("empty", b"", False),
        Mutation("one space", b" ", False),
        Mutation("date scalar", str(dt.date(2023, 10, 31)).encode(), False),
    ]


PEOPLE_BLOCKS: tuple[str, ...] = ("vehicle_types", "protection_levels", "medevac", "died_of_wounds")
"""Top-level blocks of the people model (MODEL.md §10-§14)."""
STRICT_FORMS: tuple[str, ...] = (
    "24:00", "1:30:00", "0100", "0o17", "0x10", "1_000", "yes", "no", "on", "off", "TRUE", "True", "tRUE",
    "1e3", ".inf", "-.INF", ".NaN", "~", "2024-02-30", "2023-13-45", "0000-01-01", "!!binary aGVsbG8=",
    "!!set {a, b}", "!!omap [a: 1]", "!secret x", "!!python/name:os.system", "!!str 5", "!!int '3'",
    "!!float 1", "!!bool yes", "&a 1", "[true, 1]", "{}",
)
"""Raw YAML written in place of a value: YAML 1.1 forms read by the 1.2 core schema, booleans in
any case, impossible dates, tags standard and not, an anchor, odd collections."""
REFUSED_ANYWHERE = frozenset(f for f in STRICT_FORMS if f.startswith("!") and f.split()[0] not in
                             ("!!str", "!!int", "!!float")) | {"!!bool yes"}
"""Forms refused wherever they are written: non-standard tags, an unreadable standard one."""
REFUSED_AS_NUMBER = REFUSED_ANYWHERE | {"24:00", "1:30:00", "yes", "no", "on", "off", "TRUE", "True",
                                        "tRUE", "2024-02-30", "2023-13-45", "0000-01-01", "[true, 1]", "{}"}
"""Forms refused in place of a number (text, booleans, dates, collections; ``1_000`` is text to
YAML 1.2, which the schema reads as the number it spells, like any numeric text)."""
REFUSED_AS_BOOLEAN = REFUSED_ANYWHERE | {"yes", "no", "on", "off", "tRUE", "0100", "0o17", "0x10", "1e3", "24:00",
                                         "2024-02-30", "[true, 1]", "{}", "!!str 5", "!!int '3'", "!!float 1"}
"""Forms refused in place of a boolean (only true and false are booleans)."""


def _must_refuse(original: Any, form: str) -> bool:
    if isinstance(original, bool):
        return form in REFUSED_AS_BOOLEAN
    if _is_number(original):
        return form in REFUSED_AS_NUMBER
    return form in REFUSED_ANYWHERE


def _people_paths(data: dict[str, Any]) -> list[Path_]:
    """Every path into the people model's blocks, the seats and crews of vehicle types, the
    stationary attack rates and the stationary and repair effects."""
    out: list[Path_] = []
    for block in PEOPLE_BLOCKS:
        if block in data:
            out.append((block,))
            out += [(block, *p) for p in walk(data[block])]
    for name in data.get("threats", {}).get("levels", {}):
        out.append(("threats", "levels", name, "stationary_attack_rate_per_hour"))
    effects = data.get("threats", {}).get("effects", {})
    for kind in ("stationary", "ied", "ambush", "breakdown"):
        if kind in effects:
            out += [("threats", "effects", kind, *p) for p in walk(effects[kind])
                    if p[-1] in ("vehicles_hit", "p_repair", "repair_hours", "mean", "cv")]
    for name, cls in data.get("cargo_classes", {}).items():
        if "vehicle_type" in cls:
            out.append(("cargo_classes", name, "vehicle_type"))
    for name, site in data.get("sites", {}).items():
        if "seat_vehicle_type" in site:
            out.append(("sites", name, "seat_vehicle_type"))
    for name, lift in data.get("fleet", {}).get("lifts", {}).items():
        out += [("fleet", "lifts", name, k) for k in ("truck_type", "escort_type") if k in lift]
    return out


def _put_any(data: Any, path: Path_, value: Any) -> Any:
    """``_put``, making the last key if it is missing (a stationary rate a level does not give)."""
    out = copy.deepcopy(data)
    get(out, path[:-1])[path[-1]] = value
    return out


def _raw_at(data: dict[str, Any], path: Path_, text: str) -> bytes:
    """The dump of ``data`` with the raw YAML ``text`` as the value at ``path``."""
    return dump(_put_any(data, path, "ZZ_RAW_VALUE")).replace(b"ZZ_RAW_VALUE", text.encode(), 1)


def _duplicated_at(data: dict[str, Any], path: Path_) -> bytes:
    """The dump of ``data`` with the key at ``path`` written twice (its value, then 1)."""
    lines = dump(_put_any(data, path, "ZZ_DUP_VALUE")).decode().split("\n")
    i = next(j for j, line in enumerate(lines) if "ZZ_DUP_VALUE" in line)
    line = lines[i]
    indent = len(line) - len(line.lstrip(" -"))
    key = line.strip(" -").split(":", 1)[0]
    value = yaml.safe_dump(get(data, path), default_flow_style=True).strip().removesuffix("...").strip()
    lines[i] = line.replace("ZZ_DUP_VALUE", value)
    lines.insert(i + 1, " " * indent + f"{key}: 1")
    return "\n".join(lines).encode()


def people_and_strict(data: dict[str, Any], rng: random.Random, n: int) -> list[Mutation]:
    """The people model's blocks (vehicle types, protection levels, seats, crews, medevac, deaths of
    wounds, stationary attacks) deleted, swapped, blown up, given booleans, unknown keys and
    references; and the strict forms (``STRICT_FORMS``, duplicate keys) written into them and
    anywhere else. Every case still parses as a mapping or is refused naming a field."""
    out: list[Mutation] = []
    paths = _people_paths(data)
    if not paths:
        return out
    existing = [p for p in paths if _exists(data, p)]
    for p in _sample(rng, [p for p in existing if len(p) <= 2], max(1, n // 6)):
        out.append(Mutation(f"people delete {dotted(p)}", dump(_drop(data, p)), True))
    for p in _sample(rng, paths, n // 3):
        v = rng.choice([*SWAPS, False, 0, 10**6, -1, 1e6])
        out.append(Mutation(f"people swap {dotted(p)}={v!r}", dump(_put_any(data, p, v)), True))
    numeric = [p for p in existing if _is_number(get(data, p))]
    for p in _sample(rng, numeric, n // 4):
        how = rng.choice(NUMBERS)
        out.append(Mutation(f"people number {dotted(p)} {how}", dump(_put(data, p, _number(get(data, p), how))),
                            True))
    for p in _sample(rng, numeric, n // 6):
        out.append(Mutation(f"people boolean {dotted(p)}", dump(_put(data, p, rng.choice([True, False]))), True,
                            refuse=True))
    everywhere = [p for p in walk(data) if _is_number(get(data, p))]
    for p in _sample(rng, everywhere, n // 6):
        out.append(Mutation(f"boolean {dotted(p)}", dump(_put(data, p, rng.choice([True, False]))), True, refuse=True))
    blocks = [p for p in existing if isinstance(get(data, p), dict)]
    for p in _sample(rng, blocks, max(1, n // 10)):
        block = copy.deepcopy(data)
        get(block, p)["zz_unknown_key"] = 1
        out.append(Mutation(f"people unknown key {dotted((*p, 'zz_unknown_key'))}", dump(block), True))
    for name in list(data.get("vehicle_types", {}))[:2]:
        out.append(Mutation(f"people unknown protection of {name}",
                            dump(_put(data, ("vehicle_types", name, "protection"), "nowhere")), True))
        out.append(Mutation(f"people crew of {name} beyond personnel",
                            dump(_put(data, ("vehicle_types", name, "crew"), 100_000)), True))
        out.append(Mutation(f"people no seats in {name}", dump(_put(data, ("vehicle_types", name, "seats"), 0)), True))
    if "died_of_wounds" in data:
        dow = data["died_of_wounds"]
        for label, change in (("p shorter", {"p": dow["p"][:-1]}), ("hours decreasing", {"hours": dow["hours"][::-1]}),
                              ("empty", {"hours": [], "p": []}), ("p above 1", {"p": [2.0] * len(dow["p"])})):
            out.append(Mutation(f"people died_of_wounds {label}", dump({**data, "died_of_wounds": {**dow, **change}}),
                                True))
    leaves = [p for p in existing if not isinstance(get(data, p), dict | list)]
    anywhere = [p for p in walk(data) if not isinstance(get(data, p), dict | list)]
    for p in _sample(rng, leaves, n // 3) + _sample(rng, anywhere, n // 4):
        form = rng.choice(STRICT_FORMS)
        out.append(Mutation(f"strict {dotted(p)}: {form}", _raw_at(data, p, form), True,
                            refuse=_must_refuse(get(data, p) if _exists(data, p) else None, form)))
    for p in _sample(rng, [p for p in existing if isinstance(p[-1], str)], max(1, n // 8)) + \
            _sample(rng, [p for p in walk(data) if isinstance(p[-1], str) and len(p) <= 2], max(1, n // 8)):
        out.append(Mutation(f"strict duplicate key {dotted(p)}", _duplicated_at(data, p), True, refuse=True))
    return out


def _exists(data: Any, path: Path_) -> bool:
    try:
        get(data, path)
    except (KeyError, IndexError, TypeError):
        return False
    return True
