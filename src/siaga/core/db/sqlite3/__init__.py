"""SQLite with a fair, process-wide writer queue: ENGINE "siaga.core.db.sqlite3"."""
