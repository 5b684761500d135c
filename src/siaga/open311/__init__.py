"""Open311 GeoReport v2 server mapped onto portal reports, with API keys."""
