"""beacons."""
