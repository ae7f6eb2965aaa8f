"""Tests that need several process areas at once (the whole demo, numbering measured on an
area's records). An area's own tests stay in ``<area>/tests/`` and core's in
``core/tests/``, which import no area where that is cheap (docs/ARCHITECTURE.md)."""
