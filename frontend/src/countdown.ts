// The hold's countdown: how long the inventory stays ours, as the traveler reads it.

export interface Remaining {
  ms: number;
  expired: boolean;
  /** "14:05" (minutes:seconds), "1:02:03" past an hour, "0:00" once expired. */
  text: string;
  /** Under two minutes left: the UI warns. */
  urgent: boolean;
}

export function remaining(expiresAt: string | Date, now: Date): Remaining {
  const end = typeof expiresAt === "string" ? new Date(expiresAt) : expiresAt;
  const ms = Math.max(0, end.getTime() - now.getTime());
  // Round up, so the last fraction of a second still reads 0:01: 0:00 means it is over.
  const total = Math.ceil(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  const text =
    hours > 0 ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${minutes}:${pad(seconds)}`;
  return { ms, expired: ms === 0, text, urgent: ms > 0 && ms < 120_000 };
}

/** Calls `tick` now and every second until expiry (inclusive); returns a stop function. */
export function startCountdown(
  expiresAt: string,
  tick: (r: Remaining) => void,
  clock: () => Date = () => new Date(),
): () => void {
  let timer: ReturnType<typeof setInterval> | undefined;
  const run = () => {
    const r = remaining(expiresAt, clock());
    tick(r);
    if (r.expired && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  timer = setInterval(run, 1000);
  run();
  return () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
}
