// Travel dates as the place sees them (the API is the authority; see earliestTravelDay).

/**
 * The earliest travel date the API can take, as YYYY-MM-DD: the place's today when its time
 * zone is known (a hotel's city, an airport), else the earliest date still "today" somewhere
 * on Earth (UTC-12), the API's first bound. The browser's own today is neither: in New York
 * at night it is already tomorrow in Auckland. The API stays the authority (it answers 400
 * with the place's date); this only keeps pickers from offering days it would refuse.
 */
export function earliestTravelDay(timeZone?: string, now: Date = new Date()): string {
  if (timeZone) {
    try {
      // en-CA formats a date as YYYY-MM-DD.
      return new Intl.DateTimeFormat("en-CA", {
        timeZone,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
      }).format(now);
    } catch {
      // An unknown zone name: fall back to the global bound below.
    }
  }
  return new Date(now.getTime() - 12 * 3600 * 1000).toISOString().slice(0, 10);
}
