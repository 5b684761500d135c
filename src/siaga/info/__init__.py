"""Kamtibmas bulletins, public alerts as CAP 1.2 and Atom, public statistics."""
