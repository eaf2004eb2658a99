// The API's answers as its OpenAPI schema documents them. The types are generated from
// src/schema/openapi.json (`npm run api-types`, which the build and the lint run first; the
// file itself comes from `make api-schema`, and a Python test fails while it is out of date):
// when an answer changes shape, the type check breaks here, not in a traveler's browser.
import type { components } from "./schema/openapi";

type Schemas = components["schemas"];

export type Money = Schemas["Money"];
export type Problem = Schemas["Problem"];
export type Tokens = Schemas["Tokens"];
export type PublicConfig = Schemas["PublicConfigOutput"];

export type AirportSuggestion = Schemas["AirportAutocompleteOutput"];
export type CitySuggestion = Schemas["CityAutocompleteOutput"];

export type FlightAirport = Schemas["FlightAirport"];
export type FlightLeg = Schemas["FlightLeg"];
export type FlightItinerary = Schemas["FlightItinerary"];
export type FlightOffer = Schemas["FlightSearchOffer"];
export type FlightSearchPage = Schemas["FlightSearchPage"];

export type RoomOffer = Schemas["HotelRoomOffer"];
export type HotelResult = Schemas["HotelSearchOutput"];
export type HotelSearchPage = Schemas["HotelSearchPage"];
export type HotelDetail = Schemas["HotelDetailOutput"];

export type CarOffer = Schemas["CarSearchOutput"];
export type CarSearchPage = Schemas["CarSearchPage"];

export type Rating = Schemas["Rating"];
export type Review = Schemas["Review"];
export type ReviewPage = Schemas["ReviewPage"];
export type HelpfulVote = Schemas["HelpfulVote"];

export type Hold = Schemas["Hold"];
export type HoldItem = Schemas["HoldItem"];
export type Booking = Schemas["Booking"];
export type BookedItem = Schemas["BookingItem"];
export type BookedTraveler = Schemas["BookedTraveler"];
export type BookingPage = Schemas["BookingPage"];
export type User = Schemas["User"];

export type FlightMultiCityOffer = Schemas["FlightMultiCityOffer"];
export type FlightMultiCityPage = Schemas["FlightMultiCityPage"];
export type CalendarDay = Schemas["CalendarDay"];
export type FlightCalendar = Schemas["FlightCalendar"];
export type HotelCalendar = Schemas["HotelCalendar"];
