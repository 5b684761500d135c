"""Synthetic Indonesian personal names and phone numbers for the demo (no real person is meant).

Names mix the naming customs of Greater Jakarta's population: Javanese and Sundanese single or
double names, Muslim given names, and Batak, Minang, Manado and Ambon family names.
"""

from __future__ import annotations

import numpy as np

MALE = (
    "Agus", "Budi", "Dedi", "Eko", "Fajar", "Hendra", "Irfan", "Joko", "Kurniawan", "Yudi",
    "Andi", "Bayu", "Dimas", "Rizky", "Arief", "Wahyu", "Slamet", "Bambang", "Sigit", "Teguh",
    "Hadi", "Yusuf", "Ahmad", "Muhammad", "Rahmat", "Iwan", "Dwi", "Tri", "Adi", "Rudi",
    "Asep", "Ujang", "Dadang", "Cecep", "Ade", "Deden", "Ridwan", "Fauzi", "Hasan", "Ilham",
    "Gilang", "Raka", "Aditya", "Galih", "Yoga", "Bagus", "Heru", "Taufik", "Sutrisno", "Wawan",
    "Hotman", "Parlindungan", "Togar", "Benny", "Roy", "Frans", "Markus", "Yohanes", "Stefanus", "Daniel",
    "Zulkifli", "Syahrul", "Rizal", "Firman", "Anton", "Herman", "Nanang", "Supriyadi", "Edi", "Imam",
)  # fmt: skip
FEMALE = (
    "Sri", "Dewi", "Siti", "Rina", "Wulan", "Ratna", "Indah", "Putri", "Ayu", "Fitri",
    "Nurul", "Yuli", "Lestari", "Desi", "Maya", "Anisa", "Dian", "Eka", "Rini", "Novi",
    "Intan", "Rosmawati", "Melati", "Kartika", "Nadia", "Tiara", "Yohana", "Maria", "Ruth", "Sarah",
)  # fmt: skip
SECOND = (
    "Santoso", "Setiawan", "Pratama", "Saputra", "Wibowo", "Nugroho", "Hidayat", "Kusuma", "Purnomo",
    "Susanto", "Wijaya", "Gunawan", "Hermawan", "Firmansyah", "Ramadhan", "Prasetyo", "Suryadi",
    "Hakim", "Maulana", "Syahputra", "Permana", "Sudrajat", "Hidayatullah", "Rahman", "Iskandar",
    "Kurnia", "Sulistyo", "Mulyadi", "Haryanto", "Purwanto", "Wahyudi", "Sopian", "Sunarya", "Suhendar",
    "Lestari", "Rahayu", "Wulandari", "Handayani", "Safitri", "Anggraini", "Puspitasari", "Susanti",
)  # fmt: skip
FAMILY = (
    "Simanjuntak", "Siregar", "Nasution", "Harahap", "Sitompul", "Hutapea", "Sinaga", "Manurung",
    "Pardede", "Situmorang", "Panjaitan", "Tambunan", "Lubis", "Batubara", "Chaniago", "Koto",
    "Tanjung", "Piliang", "Sembiring", "Ginting", "Tarigan", "Rumondor", "Lumenta", "Pattimura",
    "Latuconsina", "Wenas", "Mandagi", "Pelupessy",
)  # fmt: skip
FEMALE_SECOND = SECOND[-9:]
MOBILE_PREFIXES = (
    "0811", "0812", "0813", "0821", "0822", "0852", "0853", "0857", "0858",
    "0877", "0878", "0895", "0896", "0897", "0898", "0899", "0881", "0882",
)  # fmt: skip


def person_names(rng: np.random.Generator, n: int, female_share: float = 0.08) -> list[str]:
    """`n` synthetic names; `female_share` of them female (Polwan are about 6-10% of Polri)."""
    female = rng.random(n) < female_share
    style = rng.random(n)
    out = []
    for i in range(n):
        if female[i]:
            first = FEMALE[rng.integers(len(FEMALE))]
            second = FEMALE_SECOND[rng.integers(len(FEMALE_SECOND))] if style[i] < 0.6 else None
        else:
            first = MALE[rng.integers(len(MALE))]
            second = None
            if style[i] < 0.62:
                second = SECOND[rng.integers(len(SECOND) - 9)]
            elif style[i] < 0.8:
                second = FAMILY[rng.integers(len(FAMILY))]
            elif style[i] < 0.9:
                second = MALE[rng.integers(len(MALE))]
        out.append(first if second is None or second == first else f"{first} {second}")
    return out


def phone_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` synthetic Indonesian mobile numbers (08xx + 8 digits) as strings."""
    prefix = np.asarray(MOBILE_PREFIXES)[rng.integers(len(MOBILE_PREFIXES), size=n)]
    tail = rng.integers(10_000_000, 100_000_000, size=n).astype(str)
    return np.char.add(prefix, tail)
