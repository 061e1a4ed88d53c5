"""Distances on the WGS84 ellipsoid for the project geofence (SPEC §1, §10: GPS position vs. geofence).

Geodesic distances come from ``geographiclib`` (C. F. F. Karney's algorithms, accurate to about
15 nm), not from a spherical haversine, which is off by up to 0.5 %.

Coordinates are WGS84 degrees as phones report them (GPS). Positions from Chinese map SDKs in
GCJ-02 ("Mars" coordinates) are shifted by a few hundred metres and must be converted by the
caller before they are compared with a WGS84 geofence.
"""

from __future__ import annotations

import math

from geographiclib.geodesic import Geodesic

from engine.errors import InvalidInput


def validate_position(latitude: float, longitude: float) -> tuple[float, float]:
    """Check a WGS84 position.

    Args:
        latitude: Degrees north, -90 to 90.
        longitude: Degrees east, -180 to 180.

    Returns:
        ``(latitude, longitude)`` as floats.

    Raises:
        InvalidInput: (422) field ``latitude`` or ``longitude`` when out of range, NaN or infinite.
    """
    lat, lon = float(latitude), float(longitude)
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise InvalidInput(
            "latitude", f"纬度应在 -90 到 90 度之间，现为 {latitude} / latitude must be -90..90 degrees"
        )
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise InvalidInput(
            "longitude",
            f"经度应在 -180 到 180 度之间，现为 {longitude} / longitude must be -180..180 degrees",
        )
    return lat, lon


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance between two WGS84 points.

    Args:
        lat1: Latitude of the first point, degrees.
        lon1: Longitude of the first point, degrees.
        lat2: Latitude of the second point, degrees.
        lon2: Longitude of the second point, degrees.

    Returns:
        The shortest distance along the WGS84 ellipsoid, metres (``>= 0``).

    Raises:
        InvalidInput: (422) field ``latitude``/``longitude`` for an out-of-range coordinate.
    """
    lat1, lon1 = validate_position(lat1, lon1)
    lat2, lon2 = validate_position(lat2, lon2)
    result = Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)
    return float(result["s12"])


def within_geofence(
    latitude: float, longitude: float, *, center_latitude: float, center_longitude: float, radius_m: float
) -> bool:
    """Whether a position lies inside a circular geofence (boundary included).

    Args:
        latitude: Position latitude, WGS84 degrees.
        longitude: Position longitude, WGS84 degrees.
        center_latitude: Geofence centre (the project's map point) latitude, degrees.
        center_longitude: Geofence centre longitude, degrees.
        radius_m: Geofence radius, metres, ``>= 0``.

    Returns:
        ``True`` when ``distance_m(position, centre) <= radius_m``.

    Raises:
        InvalidInput: (422) ``latitude``/``longitude`` out of range, or ``geofence_radius_m``
            negative or not finite.
    """
    if not (math.isfinite(radius_m) and radius_m >= 0):
        raise InvalidInput(
            "geofence_radius_m", f"围栏半径应为非负米数，现为 {radius_m} / radius must be >= 0 m"
        )
    return distance_m(latitude, longitude, center_latitude, center_longitude) <= radius_m
