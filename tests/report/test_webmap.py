"""The interactive map works offline: no script or stylesheet from the network, Leaflet inside."""

from __future__ import annotations

import pytest

pytest.importorskip("folium")

from sim.api.runs import trace  # noqa: E402
from sim.report.webmap import offline_html, page_resources, write_map  # noqa: E402
from tests.helpers.paths import KIDAL  # noqa: E402


def test_map_of_a_trace_folder_is_self_contained(tmp_path) -> None:
    tr = trace(KIDAL, seed=3, out=tmp_path / "tr")
    out = write_map(tr.path)
    page = out.read_text()
    assert out == tr.path / "map.html"
    assert page_resources(page) == []  # nothing loaded from a CDN
    assert "Leaflet 1.9.4" in page and "L.map(" in page
    assert "kidal" in page and "anefis" in page and "Mali" in page
    assert "tile.openstreetmap" not in page


def test_offline_html_strips_cdn_links() -> None:
    page = ('<html><head><script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>'
            '<link rel="stylesheet" href="https://cdn.jsdelivr.net/x.css"/></head><body></body></html>')
    assert page_resources(page) == ["https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
                                    "https://cdn.jsdelivr.net/x.css"]
    out = offline_html(page)
    assert page_resources(out) == [] and "<style>" in out and "Leaflet 1.9.4" in out


def test_tiles_on_request(tmp_path) -> None:
    tr = trace(KIDAL, seed=3, out=tmp_path / "tr")
    page = write_map(tr.path, tmp_path / "m.html", tiles="OpenStreetMap").read_text()
    assert "tile.openstreetmap.org" in page


def test_map_of_a_run_folder_shows_each_roads_figures(tmp_path) -> None:
    """A run's road popups carry the per-road figures of its roads table."""
    from sim.api.runs import run

    res = run(KIDAL, engine="batch", replications=16, seed=1, out=tmp_path / "run")
    page = write_map(res.path).read_text()
    for key in ("convoy_passages_per_run", "ied_strikes_per_run", "strikes_per_100_convoy_km"):
        assert key in page
