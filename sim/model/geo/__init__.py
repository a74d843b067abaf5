"""Geography in and out: GeoJSON road networks and sites into scenario blocks (``network_import``,
``blocks``), scenarios out as GeoJSON (``export``), road lines and positions along them (``lines``),
incidents counted per road (``incidents``). Lengths are geodesic on WGS84 (``measure``, pyproj);
geometry is shapely's. Bad files raise ``ScenarioError`` naming the file and the feature."""
