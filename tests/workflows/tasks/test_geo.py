"""WGS84 geodesic distances and the project geofence (SPEC §10 spot checks: GPS vs. geofence)."""

from __future__ import annotations

import math

import pytest

from engine.errors import InvalidInput
from workflows.tasks.geo import distance_m, validate_position, within_geofence

# Xining (西宁), near the Qinghai provincial government: WGS84 degrees.
XINING = (36.6171, 101.7782)


def vincenty_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Independent reference: Vincenty's (1975) inverse formula on WGS84, iterated to 1e-13 rad."""
    a, f = 6378137.0, 1 / 298.257223563
    b = a * (1 - f)
    big_l = math.radians(lon2 - lon1)
    u1 = math.atan((1 - f) * math.tan(math.radians(lat1)))
    u2 = math.atan((1 - f) * math.tan(math.radians(lat2)))
    su1, cu1, su2, cu2 = math.sin(u1), math.cos(u1), math.sin(u2), math.cos(u2)
    lam = big_l
    for _ in range(200):
        sl, cl = math.sin(lam), math.cos(lam)
        ss = math.hypot(cu2 * sl, cu1 * su2 - su1 * cu2 * cl)
        if ss == 0:
            return 0.0
        cs = su1 * su2 + cu1 * cu2 * cl
        sig = math.atan2(ss, cs)
        sa = cu1 * cu2 * sl / ss
        c2a = 1 - sa * sa
        c2sm = cs - 2 * su1 * su2 / c2a if c2a else 0.0
        c = f / 16 * c2a * (4 + f * (4 - 3 * c2a))
        previous = lam
        lam = big_l + (1 - c) * f * sa * (sig + c * ss * (c2sm + c * cs * (-1 + 2 * c2sm * c2sm)))
        if abs(lam - previous) < 1e-13:
            break
    usq = c2a * (a * a - b * b) / (b * b)
    big_a = 1 + usq / 16384 * (4096 + usq * (-768 + usq * (320 - 175 * usq)))
    big_b = usq / 1024 * (256 + usq * (-128 + usq * (74 - 47 * usq)))
    ds = (
        big_b
        * ss
        * (
            c2sm
            + big_b
            / 4
            * (cs * (-1 + 2 * c2sm * c2sm) - big_b / 6 * c2sm * (-3 + 4 * ss * ss) * (-3 + 4 * c2sm * c2sm))
        )
    )
    return b * big_a * (sig - ds)


class TestDistance:
    @pytest.mark.parametrize(
        ("other", "expected_m"),
        [
            ((36.6261, 101.7782), 998.735),  # 0.009° north
            ((36.6171, 101.7894), 1001.907),  # 0.0112° east
            ((36.6232, 101.7861), 978.576),  # north-east
        ],
    )
    def test_xining_about_one_km_against_vincenty(
        self, other: tuple[float, float], expected_m: float
    ) -> None:
        got = distance_m(*XINING, *other)
        assert got == pytest.approx(vincenty_m(*XINING, *other), abs=1e-3)
        assert got == pytest.approx(expected_m, abs=1e-3)

    def test_symmetric_and_zero(self) -> None:
        a, b = XINING, (36.6232, 101.7861)
        assert distance_m(*a, *b) == pytest.approx(distance_m(*b, *a), abs=1e-9)
        assert distance_m(*a, *a) == 0.0

    def test_published_ellipsoid_values(self) -> None:
        # One degree of latitude at the equator (WGS84 meridian arc) and of longitude along it (a·π/180).
        assert distance_m(0, 0, 1, 0) == pytest.approx(110574.389, abs=1e-3)
        assert distance_m(0, 0, 0, 1) == pytest.approx(6378137 * math.pi / 180, abs=1e-3)

    def test_karney_wellington_to_salamanca(self) -> None:
        # The worked example of the geographiclib documentation.
        assert distance_m(-41.32, 174.81, 40.96, -5.50) == pytest.approx(19959679.267, abs=1e-3)

    def test_not_a_spherical_approximation(self) -> None:
        spherical = math.radians(1) * 6371008.8  # mean-radius sphere, one degree of meridian
        assert abs(distance_m(0, 0, 1, 0) - spherical) > 500

    @pytest.mark.parametrize(
        ("args", "field"),
        [
            ((90.5, 0, 0, 0), "latitude"),
            ((0, 0, -91, 0), "latitude"),
            ((0, 181, 0, 0), "longitude"),
            ((0, 0, 0, -180.01), "longitude"),
            ((math.nan, 0, 0, 0), "latitude"),
            ((0, math.inf, 0, 0), "longitude"),
        ],
    )
    def test_out_of_range_rejected(self, args: tuple[float, float, float, float], field: str) -> None:
        with pytest.raises(InvalidInput) as exc:
            distance_m(*args)
        assert exc.value.field == field
        assert exc.value.status_code == 422


class TestValidatePosition:
    @pytest.mark.parametrize(("lat", "lon"), [(90, 180), (-90, -180), (36.6171, 101.7782), (0, 0)])
    def test_bounds_inclusive(self, lat: float, lon: float) -> None:
        assert validate_position(lat, lon) == (float(lat), float(lon))

    def test_latitude_checked_first(self) -> None:
        with pytest.raises(InvalidInput, match="纬度") as exc:
            validate_position(100, 200)
        assert exc.value.field == "latitude"

    def test_longitude_message(self) -> None:
        with pytest.raises(InvalidInput, match="经度") as exc:
            validate_position(36.6, 200)
        assert exc.value.field == "longitude"


class TestWithinGeofence:
    def test_inside_and_outside_a_one_km_fence(self) -> None:
        north = (36.6261, 101.7782)  # 998.7 m from the centre
        assert within_geofence(*north, center_latitude=XINING[0], center_longitude=XINING[1], radius_m=1000)
        assert not within_geofence(
            *north, center_latitude=XINING[0], center_longitude=XINING[1], radius_m=998
        )

    def test_boundary_included(self) -> None:
        d = distance_m(*XINING, 36.6232, 101.7861)
        assert within_geofence(
            36.6232, 101.7861, center_latitude=XINING[0], center_longitude=XINING[1], radius_m=d
        )

    def test_zero_radius_only_the_centre(self) -> None:
        assert within_geofence(*XINING, center_latitude=XINING[0], center_longitude=XINING[1], radius_m=0)

    @pytest.mark.parametrize("radius", [-1.0, math.nan, math.inf])
    def test_bad_radius(self, radius: float) -> None:
        with pytest.raises(InvalidInput) as exc:
            within_geofence(*XINING, center_latitude=XINING[0], center_longitude=XINING[1], radius_m=radius)
        assert exc.value.field == "geofence_radius_m"
