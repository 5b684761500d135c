"""Real places of Kota Bekasi used to shape the synthetic demo (approximate WGS 84 positions, [lon, lat]).

Positions are approximations read off public maps, good to ~100-300 m: enough to put hotspots at
markets, stations and terminals and to draw accident corridors along the main roads. They are not
survey data; roads are polylines between a few real points.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hotspot:
    name: str
    lon: float
    lat: float
    weight: float  # relative pull on crime and disorder
    sigma_m: float  # spread of the cluster


HOTSPOTS: tuple[Hotspot, ...] = (
    Hotspot("Stasiun Bekasi / Pasar Proyek", 107.0005, -6.2368, 3.0, 320),
    Hotspot("Terminal Induk Bekasi", 107.0080, -6.2490, 2.2, 280),
    Hotspot("Stasiun Kranji / Pasar Kranji", 106.9790, -6.2250, 2.0, 300),
    Hotspot("Summarecon Mall Bekasi", 107.0000, -6.2255, 1.4, 350),
    Hotspot("Bekasi Cyber Park / Metropolitan Mall", 106.9910, -6.2492, 1.8, 300),
    Hotspot("Stasiun Bekasi Timur", 107.0180, -6.2466, 1.2, 280),
    Hotspot("Grand Galaxy Park", 106.9720, -6.2690, 1.0, 400),
    Hotspot("Harapan Indah", 106.9790, -6.1860, 1.3, 450),
    Hotspot("Pasar Pondok Gede", 106.9200, -6.2790, 1.6, 350),
    Hotspot("Pasar Bantargebang", 106.9890, -6.3180, 1.2, 350),
    Hotspot("TPST Bantargebang", 107.0000, -6.3470, 0.7, 500),
    Hotspot("Pasar Jatiasih", 106.9590, -6.2950, 0.9, 350),
    Hotspot("Pasar Kranggan (Jatisampurna)", 106.9290, -6.3600, 0.8, 400),
    Hotspot("Pasar Rawalumbu", 106.9930, -6.2830, 0.9, 350),
    Hotspot("Mustikajaya", 107.0280, -6.2930, 0.7, 450),
    Hotspot("Jatiwarna (Pondok Melati)", 106.9290, -6.3050, 0.8, 350),
)


@dataclass(frozen=True)
class Road:
    name: str
    points: tuple[tuple[float, float], ...]  # [lon, lat]
    weight: float  # accident pull per km relative to the others


ROADS: tuple[Road, ...] = (
    Road(
        "Tol Jakarta-Cikampek / Jl. KH Noer Ali corridor",
        (
            (106.9130, -6.2510),
            (106.9440, -6.2560),
            (106.9700, -6.2520),
            (106.9905, -6.2487),
            (107.0136, -6.2595),
            (107.0400, -6.2650),
        ),
        3.0,
    ),
    Road(
        "Jl. Inspeksi Kalimalang",
        (
            (106.9130, -6.2470),
            (106.9400, -6.2490),
            (106.9650, -6.2470),
            (106.9850, -6.2440),
            (107.0050, -6.2450),
            (107.0300, -6.2500),
        ),
        2.2,
    ),
    Road(
        "Jl. Ahmad Yani",
        ((106.9905, -6.2487), (106.9950, -6.2400), (107.0000, -6.2300), (107.0020, -6.2200)),
        2.0,
    ),
    Road(
        "Jl. Ir. H. Juanda",
        ((106.9995, -6.2362), (107.0100, -6.2380), (107.0250, -6.2410), (107.0400, -6.2420)),
        1.8,
    ),
    Road(
        "Jl. Sultan Agung - Jl. Jend. Sudirman",
        ((106.9450, -6.2230), (106.9790, -6.2245), (106.9930, -6.2330), (106.9995, -6.2362)),
        1.8,
    ),
    Road(
        "Jl. Raya Narogong",
        (
            (107.0136, -6.2595),
            (107.0050, -6.2800),
            (106.9950, -6.3000),
            (106.9890, -6.3180),
            (106.9900, -6.3450),
        ),
        2.0,
    ),
    Road(
        "Jl. Raya Jatiwaringin - Jl. Raya Hankam",
        ((106.9140, -6.2500), (106.9170, -6.2750), (106.9200, -6.3000), (106.9260, -6.3300)),
        1.2,
    ),
    Road(
        "Jl. Raya Jatiasih - Cikunir",
        ((106.9600, -6.2560), (106.9580, -6.2800), (106.9590, -6.3000), (106.9550, -6.3300)),
        1.0,
    ),
    Road(
        "Jl. Harapan Indah - Jl. Kaliabang",
        ((106.9790, -6.1860), (106.9950, -6.2000), (107.0000, -6.2255)),
        1.0,
    ),
)

# Pos polisi at busy places: (name, lon, lat); the Polsek is the one whose area holds the point
POSTS: tuple[tuple[str, float, float], ...] = (
    ("Pos Stasiun Bekasi", 107.0005, -6.2368),
    ("Pos Terminal Induk", 107.0080, -6.2490),
    ("Pos Summarecon", 107.0000, -6.2255),
    ("Pos Bundaran Harapan Indah", 106.9790, -6.1860),
    ("Pos Kranji", 106.9790, -6.2250),
    ("Pos Bekasi Cyber Park", 106.9910, -6.2492),
    ("Pos Galaxy", 106.9720, -6.2690),
    ("Pos Pasar Pondok Gede", 106.9200, -6.2790),
    ("Pos Pasar Jatiasih", 106.9590, -6.2950),
    ("Pos Pasar Bantargebang", 106.9890, -6.3180),
)
