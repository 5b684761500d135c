"""Geofences: polygons with enter / leave / dwell rules per unit or device class, raising alerts."""
