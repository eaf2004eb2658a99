"""The catalog and its inventory as spreadsheets (django-import-export resources).

Rows are named by natural keys, never by database ids, so a file exported from one
database imports into another and re-importing a file finds the rows it made: a hotel by
its code, a room type by its hotel's and its own code, an office by vendor code and
airport, a car by its office, class and transmission, a flight by number and departure
(UTC), an inventory row by its line and its date (a fare: its flight and cabin). A column
that names a row's parent (`hotel` next to `room_type`) is read with it.

Inventory rows (room nights, car days, fares) are changed under the bulk change's rules,
by its code (catalog.services): the rows a file names are locked in primary-key order
before any is read, the new values are judged by `cell_change` (allotment never below
what is sold or held, prices within range and rounded to the currency's minor unit), and
`available` follows the allotment. A row the rules refuse is an error of that row.

Unchanged rows are skipped, so importing the same file twice changes nothing the second
time.
"""

from catalog.resources.catalog import (
    FlightLegResource,
    HotelResource,
    RentalCarResource,
    RentalOfficeResource,
    RoomTypeResource,
)
from catalog.resources.inventory import (
    CarDayResource,
    FlightFareResource,
    InventoryResource,
    RoomNightResource,
)
from catalog.resources.keys import CatalogResource

__all__ = ["RESOURCES", "CatalogResource", "InventoryResource"]

RESOURCES: dict[str, type[CatalogResource]] = {
    "hotels": HotelResource,
    "room_types": RoomTypeResource,
    "rental_offices": RentalOfficeResource,
    "cars": RentalCarResource,
    "flights": FlightLegResource,
    "room_nights": RoomNightResource,
    "car_days": CarDayResource,
    "fares": FlightFareResource,
}
