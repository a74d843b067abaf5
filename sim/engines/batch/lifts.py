"""Truck lifts shuttling between a hub and the bases it serves, every replication at once (MODEL.md §5).

Replications are at different rounds, times and targets: each round works on the index array of the
replications whose lift is still running, with gathered per-target values; loops run over rounds,
convoys and loading ranks, never over replications.
"""

from __future__ import annotations

import numpy as np

from sim.model import rules
from sim.model.schema import Lift

from .flights import BaseFlights
from .people import OccupantArrays
from .road import Roads
from .state import BlockPlan, Loads, Tally


class LiftRun:
    """One lift over all replications of a block."""

    def __init__(self, plan: BlockPlan, lift: Lift, exits: rules.Exit, flights: list[BaseFlights], road: Roads,
                 loads: Loads, tally: Tally, rng: np.random.Generator) -> None:
        self.plan, self.lift, self.exits, self.flights = plan, lift, exits, flights
        self.road, self.loads, self.tally, self.rng = road, loads, tally, rng
        self.sc = plan.sc
        self.bidx = np.array([plan.bases.index(b) for b in lift.serves], dtype=np.int64)
        bases = [self.sc.bases[b] for b in plan.bases]
        self.teams = np.array([b.loading.teams for b in bases], dtype=np.int64)
        self.hours_per_load = np.array([b.loading.hours_per_truck_load for b in bases])
        self.trucks = np.full(tally.n_reps, lift.trucks, dtype=np.int64)
        self.escorts = np.full(tally.n_reps, lift.escorts, dtype=np.int64)
        """The escort pool (MODEL.md §5.3, §12): escorts destroyed or abandoned on any leg are gone."""
        self.people = rules.people_model(self.sc)
        self.position = np.full(len(plan.bases), -1, dtype=np.int64)
        """Position of each base (global index) among the served ones, -1 if not served."""
        self.position[self.bidx] = np.arange(self.bidx.size)
        served = [flights[b] for b in self.bidx]
        self.gave_up = {c: _ServedColumns.of([f.gave_up_hours.get(c) for f in served], n_reps=tally.n_reps,
                                       units=[f.gave_up_units.get(c) for f in served])
                        for c in plan.truck_classes}
        """Each class's cargo sorties of all served bases side by side (for ``pool`` over bases)."""
        self.resolved = _ServedColumns.of([f.cargo_resolved_hours for f in served], n_reps=tally.n_reps)
        """The cargo chains' resolution times of all served bases side by side."""

    # ------------------------------------------------------------ pools and targets

    def pool(self, cls: str, rows: np.ndarray, base: np.ndarray, t: np.ndarray) -> np.ndarray:
        """``pool_c(t)`` of base ``base`` (per row; a served base)."""
        out = self.plan.road_start[cls][base] - self.loads.loaded[cls][rows, base]
        return out + self.gave_up[cls].row_sums(rows, t, self.position[base])

    def choose(self, rows: np.ndarray, g: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Target base (global index, -1 for none) and the idle flag at grant times ``g``: arrays
        (rows, served bases), so a round costs the same few numpy calls however many bases the lift
        serves. The target is the eligible base with the earliest known leave-by, the first served
        on a tie."""
        plan, exits, b = self.plan, self.exits, self.bidx
        cells = np.ix_(rows, b)
        gc = g[:, None]
        leave, cutoff = rules.known(gc, exits.trigger_hours[cells], plan.planned_leave_by_hours[b],
                                    plan.planned_cutoff_hours[b], exits.leave_by_hours[cells],
                                    exits.cutoff_hours[cells])
        open_ = ok[:, None] & (gc < cutoff)
        waiting = np.zeros((rows.size, b.size), dtype=np.int64)
        for c in plan.truck_classes:
            waiting += plan.road_start[c][b] - self.loads.loaded[c][cells] + self.gave_up[c].sums(rows, g)
        early = plan.withdraw_from_hours[b] > gc
        elig = open_ & ~early & (waiting > 0)
        key = np.where(elig, leave, np.inf)
        first = np.argmin(key, axis=1) if b.size else np.zeros(rows.size, dtype=np.int64)
        found = key[np.arange(rows.size), first] < np.inf if b.size else np.zeros(rows.size, dtype=bool)
        target = np.where(found, b[first] if b.size else -1, -1)
        idle = (open_ & (early | (self.resolved.counts(rows, g) > 0))).any(axis=1)
        return target, idle & (target < 0)

    # ------------------------------------------------------------ the lift

    def run(self) -> None:
        sc, lift, plan = self.sc, self.lift, self.plan
        n_reps = self.tally.n_reps
        start = float(plan.withdraw_from_hours[self.bidx].min())
        if lift.available_from is not None:
            start = max(start, sc.hours(lift.available_from))
        t = np.full(n_reps, start)
        active = np.ones(n_reps, dtype=bool)
        latest_cutoff = float(plan.planned_cutoff_hours[self.bidx].max())
        while active.any():
            rows = np.flatnonzero(active)
            if rules.lift_needs_authorization(sc, lift):
                sec = self.road.security
                grant = None if sec is None else sec.grant("road_movements", rows)
                ch = rules.chain(sc, sc.road_movements, self.rng, t[rows], np.full(rows.size, latest_cutoff),
                                 grant=grant)
                ok = ch.status == rules.GRANTED
                g = np.where(ok, ch.time_hours, np.inf)
                n_req = ch.n_requests
            else:
                ok = np.ones(rows.size, dtype=bool)
                g = t[rows]
                n_req = None
            target, idle = self.choose(rows, g, ok)
            if n_req is not None:
                on = np.where(target >= 0, target, self.bidx[0])
                self.tally.counts["road_requests"][rows, on] += n_req
            t[rows[idle]] = g[idle] + lift.idle_check_hours
            go = np.flatnonzero(target >= 0)
            active[rows[~idle & (target < 0)]] = False
            if go.size:
                end, stand_down = self.round(rows[go], g[go], target[go])
                t[rows[go]] = end
                active[rows[go][stand_down]] = False

    def round(self, rows: np.ndarray, g: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One round (convoys out, loading, return) for ``rows``: end times and stand-down flags."""
        sc, plan = self.sc, self.plan
        big, q = sc.convoy.max_vehicles, sc.convoy.escorts_per_convoy
        pools = {c: self.pool(c, rows, base, g) for c in plan.truck_classes}
        n = np.minimum(rules.truckloads(sc, pools), self.trucks[rows]) if pools else np.zeros(rows.size, np.int64)
        k = rules.convoys_per_round(n, big, q, self.escorts[rows])
        stand_down = k == 0
        end = np.full(rows.size, np.inf)
        go = np.flatnonzero(~stand_down)
        if go.size:
            end[go] = self._convoys(rows[go], g[go], base[go], n[go], k[go])
        return end, stand_down

    def _crews(self, sets: list[tuple[str | None, np.ndarray]], m: int) -> OccupantArrays | None:
        """The occupancy groups of lift convoys in the people model (crews only); ``None`` otherwise."""
        if not self.people:
            return None
        truck = self.lift.truck_type or ""
        return OccupantArrays.seated(self.sc, [(t if t is not None else truck, n) for t, n in sets], 0, 0, m)

    def _convoys(self, rows: np.ndarray, g: np.ndarray, base: np.ndarray, n: np.ndarray,
                 k: np.ndarray) -> np.ndarray:
        sc, plan, tally, road = self.sc, self.plan, self.tally, self.road
        q, spacing = sc.convoy.escorts_per_convoy, sc.convoy.min_spacing_hours
        kmax = int(k.max())
        arrive = np.full((rows.size, kmax), np.inf)
        trucks_in = np.zeros((rows.size, kmax), dtype=np.int64)
        escorts_in = np.zeros((rows.size, kmax), dtype=np.int64)
        lift = self.lift
        for i in range(kmax):
            sel = np.flatnonzero(i < k)
            r, b = rows[sel], base[sel]
            groups = [np.full(sel.size, q, dtype=np.int64), np.asarray(rules.split_even(n[sel], k[sel], i))]
            depart = g[sel] + i * spacing
            occ = self._crews([(lift.escort_type, groups[0]), (lift.truck_type, groups[1])], sel.size)
            leg = road.drive(r, depart, b, True, groups, [1, 1], [None, None], q > 0, False,
                             escort_sets=[True, False], occupants=occ)
            tally.add_leg(r, b, leg, depart, trucks_hit=leg.hit[1])
            tally.counts["convoys"][r, b] += 1
            self.trucks[r] -= leg.hit[1]
            self.escorts[r] -= leg.hit[0]
            arrive[sel, i] = leg.arrive_hours
            trucks_in[sel, i] = groups[1]
            escorts_in[sel, i] = groups[0]  # the return leg drives with the escorts that survived
        order = np.argsort(arrive, axis=1, kind="stable")
        ready = np.zeros((rows.size, kmax))
        units = {c: np.zeros((rows.size, kmax), dtype=np.int64) for c in plan.truck_classes}
        used = {c: np.zeros((rows.size, kmax), dtype=np.int64) for c in plan.truck_classes}
        area, loaded = self.loads.area_free_hours, self.loads.loaded
        for j in range(kmax):
            sel = np.flatnonzero(j < k)
            r, b, ci = rows[sel], base[sel], order[sel, j]
            arr = arrive[sel, ci]
            s = np.maximum(arr, area[r, b])
            can = s < self.exits.cutoff_hours[r, b]
            pool = {c: np.where(can, self.pool(c, r, b, s), 0) for c in plan.truck_classes}
            got, took = rules.load(sc, pool, trucks_in[sel, ci])
            n_used = sum(took.values(), np.zeros(sel.size, dtype=np.int64))
            done = s + rules.loading_hours(n_used, self.teams[b], self.hours_per_load[b])
            area[r[can], b[can]] = done[can]
            for c in plan.truck_classes:
                loaded[c][r, b] += got[c]
                units[c][sel, j], used[c][sel, j] = got[c], took[c]
            cargo = can & (n_used > 0)
            self.loads.last_load_end_hours[r[cargo], b[cargo]] = np.maximum(
                self.loads.last_load_end_hours[r[cargo], b[cargo]], done[cargo])
            ready[sel, j] = np.where(can, done, arr)
        end = np.full(rows.size, -np.inf)
        previous = np.full(rows.size, -np.inf)
        for j in range(kmax):
            sel = np.flatnonzero(j < k)
            r, b, ci = rows[sel], base[sel], order[sel, j]
            depart = np.maximum(ready[sel, j], previous[sel] + spacing)
            previous[sel] = depart
            cls_trucks = [used[c][sel, j].copy() for c in plan.truck_classes]
            aboard = [units[c][sel, j].copy() for c in plan.truck_classes]
            empty = trucks_in[sel, ci] - sum(cls_trucks, np.zeros(sel.size, dtype=np.int64))
            groups = [escorts_in[sel, ci], *cls_trucks, empty]
            upt = [1, *(sc.cargo_classes[c].units_per_truck for c in plan.truck_classes), 1]
            occ = self._crews([(lift.escort_type, groups[0]), *((lift.truck_type, x) for x in groups[1:])], sel.size)
            leg = road.drive(r, depart, b, False, groups, upt, [None, *aboard, None], q > 0, False,
                             escort_sets=[True, *(False for _ in groups[1:])], occupants=occ)
            hit = sum(leg.hit[1:], np.zeros(sel.size, dtype=np.int64))
            tally.add_leg(r, b, leg, depart, trucks_hit=hit)
            self.trucks[r] -= hit
            self.escorts[r] -= leg.hit[0]
            carried = np.zeros(sel.size, dtype=bool)
            arrived = np.zeros(sel.size, dtype=np.int64)
            for ic, c in enumerate(plan.truck_classes):
                lost = leg.lost[ic + 1]
                tally.fate(c, "lost")[r, b] += lost
                tally.fate(c, "road")[r, b] += units[c][sel, j] - lost
                arrived += units[c][sel, j] - lost
                carried |= units[c][sel, j] > 0
            for base_b in np.unique(b[arrived > 0]):
                m = (b == base_b) & (arrived > 0)
                tally.out(int(base_b), r[m], leg.arrive_hours[m], cargo=arrived[m])
            la = tally.last_arrival_hours
            la[r, b] = np.where(carried, np.maximum(la[r, b], leg.arrive_hours), la[r, b])
            end[sel] = np.maximum(end[sel], leg.arrive_hours)
        return end


class _ServedColumns:
    """Per-replication columns of several bases side by side (``hours`` (R, all columns), base
    ``i``'s columns ``start[i]:start[i + 1]``), with optional units per column: the sums over each
    base's columns whose hour is at most (``sums``) or after (``counts``) a time, for every base at
    once, by one cumulative sum (exact in integers)."""

    def __init__(self, hours: np.ndarray, units: np.ndarray, start: np.ndarray) -> None:
        self.hours, self.units, self.start = hours, units, start

    @classmethod
    def of(cls, blocks: list[np.ndarray | None], n_reps: int,
           units: list[np.ndarray | None] | None = None) -> _ServedColumns:
        widths = [0 if x is None else int(x.shape[1]) for x in blocks]
        total = int(np.sum(widths))
        hours = (np.concatenate([x for x in blocks if x is not None and x.shape[1]], axis=1)
                 if total else np.zeros((n_reps, 0)))
        u = np.ones(total, dtype=np.int64)
        if units is not None and total:
            u = np.concatenate([x for x in units if x is not None and x.size]).astype(np.int64)
        return cls(hours, u, np.concatenate([[0], np.cumsum(widths)]).astype(np.int64))

    def _cumulative(self, table: np.ndarray) -> np.ndarray:
        return np.concatenate([np.zeros((table.shape[0], 1), dtype=np.int64), np.cumsum(table, axis=1)], axis=1)

    def sums(self, rows: np.ndarray, t: np.ndarray) -> np.ndarray:
        """(rows, bases): units of each base's columns with hour ``<= t`` (NaN never counts)."""
        if self.hours.shape[1] == 0:
            return np.zeros((rows.size, self.start.size - 1), dtype=np.int64)
        cs = self._cumulative((self.hours[rows] <= t[:, None]) * self.units)
        return cs[:, self.start[1:]] - cs[:, self.start[:-1]]

    def counts(self, rows: np.ndarray, t: np.ndarray) -> np.ndarray:
        """(rows, bases): each base's columns with hour ``> t``."""
        if self.hours.shape[1] == 0:
            return np.zeros((rows.size, self.start.size - 1), dtype=np.int64)
        cs = self._cumulative((self.hours[rows] > t[:, None]).astype(np.int64))
        return cs[:, self.start[1:]] - cs[:, self.start[:-1]]

    def row_sums(self, rows: np.ndarray, t: np.ndarray, position: np.ndarray) -> np.ndarray:
        """``sums`` for one base per row (``position`` among the bases)."""
        if self.hours.shape[1] == 0:
            return np.zeros(rows.size, dtype=np.int64)
        cs = self._cumulative((self.hours[rows] <= t[:, None]) * self.units)
        i = np.arange(rows.size)
        return cs[i, self.start[position + 1]] - cs[i, self.start[position]]
