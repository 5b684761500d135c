"""Regulation library with full-text search, KUHP old-new mapping, FAQ, consultations."""
