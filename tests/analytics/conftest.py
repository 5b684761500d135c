from ..cad.conftest import bekasi_kelurahan, polres, world  # noqa: F401 (fixtures)
