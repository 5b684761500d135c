from tests.cad.conftest import bekasi_kelurahan, other_polres, polres, polsek, world  # noqa: F401
