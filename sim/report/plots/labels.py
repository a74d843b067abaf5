"""Map labels placed without collisions: greedy, in order of importance, on the drawn figure.

Each label tries positions around its anchor (right, left, above, below, the corners; then the same
further out with a leader line) and takes the first whose box overlaps no label already placed, no
obstacle (markers, the legend) and stays inside the axes. A label that fits nowhere is dropped if
it is optional (country names), else put where it overlaps least (and counted in ``collisions``).
Boxes are measured by the renderer after the layout has settled (the figure is drawn once first);
the labels do not take part in the layout, so it stays as measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox


def _ring(n: int) -> tuple[tuple[float, float, str, str], ...]:
    """``n`` directions around an anchor, right first then alternating up and down, with the
    alignment that puts the text beyond the offset point."""
    import math

    out = []
    order = [0]
    for k in range(1, n // 2 + 1):
        order += [k, -k] if k < n // 2 else [k]
    for k in order:
        a = 2 * math.pi * k / n
        dx, dy = math.cos(a), math.sin(a)
        ha = "left" if dx > 0.3 else "right" if dx < -0.3 else "center"
        va = "bottom" if dy > 0.3 else "top" if dy < -0.3 else "center"
        out.append((round(dx, 6), round(dy, 6), ha, va))
    return tuple(out)


RING = _ring(8)
"""Directions tried first (right, then the others in turn)."""
RINGS: tuple[tuple[float, tuple[tuple[float, float, str, str], ...], bool], ...] = (
    (1.0, RING, False), (2.2, _ring(16), True), (3.6, _ring(16), True), (5.5, _ring(24), True),
    (8.0, _ring(24), True),
)
"""(distance as a multiple of the label's gap, directions, leader line): tried in turn."""
PAD_PX = 2.0
DISTANCE_COST = 12.0
"""Cost of moving a label one pixel further out, against one (point²) of road it covers: a label
crossing a road beside its marker beats one on a long leader line."""
LEADER_COST = 150.0


@dataclass
class Label:
    """A text to place near ``xy`` (data coordinates), ``gap`` points from it (the marker's radius)."""

    xy: tuple[float, float]
    text: str
    gap: float = 6.0
    optional: bool = False
    style: dict[str, Any] = field(default_factory=dict)
    alternatives: tuple[tuple[float, float], ...] = ()
    """Other anchors the label may stand at instead (a country's name anywhere inside it)."""


@dataclass
class Placed:
    texts: list[Annotation]
    collisions: int
    dropped: int


def _overlap(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def _box(x: float, y: float, w: float, h: float, ha: str, va: str) -> tuple[float, float, float, float]:
    x0 = x if ha == "left" else x - w if ha == "right" else x - w / 2.0
    y0 = y if va == "bottom" else y - h if va == "top" else y - h / 2.0
    return x0, y0, x0 + w, y0 + h


def _overlaps(box: tuple[float, float, float, float], boxes: np.ndarray) -> float:
    if not len(boxes):
        return 0.0
    w = np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0])
    h = np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1])
    return float(np.sum(np.clip(w, 0, None) * np.clip(h, 0, None)))


def _array(boxes: list[Bbox] | np.ndarray | None) -> np.ndarray:
    if boxes is None or len(boxes) == 0:
        return np.empty((0, 4))
    if isinstance(boxes, np.ndarray):
        return boxes.reshape(-1, 4)
    return np.array([[b.x0, b.y0, b.x1, b.y1] for b in boxes], dtype=float)


def place_labels(ax: Axes, labels: list[Label], obstacles: list[Bbox] | None = None,
                 soft: np.ndarray | None = None, *, draw: bool = True) -> Placed:
    """Place ``labels`` on ``ax`` in the given order (most important first).

    ``obstacles`` (markers, the legend) are never covered if it can be helped, like placed labels;
    ``soft`` boxes (``[x0, y0, x1, y1]`` rows in display pixels: points along the roads) are avoided
    when some position allows it. Among the candidate positions (nearest ring first) a label takes
    the first that covers nothing; else the first that covers only soft boxes, the least of them;
    else (not optional) the one that covers least, counted in ``collisions``. Each text is measured
    once; the box of every candidate position is computed, not drawn. ``draw=False``: the caller has
    just drawn the figure (its layout is settled)."""
    fig = ax.figure
    canvas = fig.canvas
    if draw:
        canvas.draw()  # settle the layout: boxes are measured against it
    renderer = canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    hard = _array(obstacles)
    soft_boxes = _array(soft)
    texts: list[Annotation] = []
    collisions = dropped = 0
    px = fig.dpi / 72.0
    pad = PAD_PX * px
    for lab in labels:
        probe = ax.annotate(lab.text, lab.xy, xytext=(0, 0), textcoords="offset points", ha="left", va="bottom",
                            **lab.style)
        ext = probe.get_window_extent(renderer)
        probe.remove()
        w, h = ext.width + 2 * pad, ext.height + 2 * pad
        anchors = [ax.transData.transform(xy) for xy in (lab.xy, *lab.alternatives)]
        ranked: list[tuple[int, float, int, tuple[float, float, str, str, bool], tuple[float, ...], Any]] = []
        order = 0
        rings = RINGS if not lab.alternatives else ((0.0, ((0.0, 0.0, "center", "center"),), False),)
        for (ax0, ay0), (ring, directions, leader) in ((a, r) for a in anchors for r in rings):
            dist = max(lab.gap, 4.0) * ring + (4.0 if ring > 1 else 0.0)
            for dx, dy, ha, va in directions:
                ox, oy = dx * dist, dy * dist
                box = _box(ax0 + ox * px, ay0 + oy * px, w, h, ha, va)
                inside = frame.x0 <= box[0] and box[2] <= frame.x1 and frame.y0 <= box[1] and box[3] <= frame.y1
                cover = _overlaps(box, hard) + (0.0 if inside else 1e12)
                roads = _overlaps(box, soft_boxes)
                far = DISTANCE_COST * (dist - max(lab.gap, 4.0)) * px + (LEADER_COST if leader else 0.0)
                tier = 0 if cover == 0 and roads == 0 else 1 if cover == 0 else 2
                score = cover if tier == 2 else roads / px ** 2 + far
                ranked.append((tier, score, order, (ox, oy, ha, va, leader), box, (ax0, ay0)))
                order += 1
        tier, _, _, chosen, best_box, anchor = min(ranked, key=lambda t: (t[0] == 2, t[1], t[2]))
        xy = tuple(ax.transData.inverted().transform(anchor))
        if tier == 2 or (lab.optional and tier > 0):
            if lab.optional:
                dropped += 1
                continue
            collisions += 1
        ox, oy, ha, va, leader = chosen
        ann = ax.annotate(lab.text, xy, xytext=(ox, oy), textcoords="offset points", ha=ha, va=va,
                          annotation_clip=False, zorder=7, **lab.style,
                          arrowprops={"arrowstyle": "-", "color": "#777777", "lw": 0.6, "shrinkA": 0,
                                      "shrinkB": lab.gap * 0.8} if leader else None)
        ann.set_in_layout(False)
        texts.append(ann)
        hard = np.vstack([hard, np.asarray(best_box, dtype=float)[None, :]])
    return Placed(texts, collisions, dropped)


def line_boxes(ax: Axes, xs: list[float], ys: list[float], step_px: float = 4.0,
               half_px: float = 2.0) -> np.ndarray:
    """Small display boxes every ``step_px`` along a drawn line (soft obstacles for labels)."""
    pts = ax.transData.transform(np.column_stack([xs, ys]))
    out = []
    for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False):
        n = max(1, int(np.hypot(x1 - x0, y1 - y0) / step_px))
        t = np.linspace(0.0, 1.0, n + 1)
        out.append(np.column_stack([x0 + t * (x1 - x0), y0 + t * (y1 - y0)]))
    if not out:
        return np.empty((0, 4))
    p = np.vstack(out)
    return np.column_stack([p[:, 0] - half_px, p[:, 1] - half_px, p[:, 0] + half_px, p[:, 1] + half_px])


def marker_box(ax: Axes, xy: tuple[float, float], radius_pt: float) -> Bbox:
    """The display box of a marker of ``radius_pt`` points at ``xy`` (data coordinates)."""
    x, y = ax.transData.transform(xy)
    r = radius_pt * ax.figure.dpi / 72.0
    return Bbox.from_extents(x - r, y - r, x + r, y + r)
