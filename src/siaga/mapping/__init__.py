"""Problems, potentials, Bhabinkamtibmas visits, partners and informants per area (Tahap I)."""
