import { describe, expect, it } from "vitest";
import { SESSION_ID_PATTERN, newSessionId, sessionId, type KeyValueStore } from "../src/session";

function memory(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

let seed = 0;
const bytes = (n: number) => Uint8Array.from({ length: n }, () => (seed = (seed * 73 + 41) % 256));

describe("the anonymous visit id", () => {
  it("is 22 characters the server accepts", () => {
    const id = newSessionId(bytes);
    expect(id).toHaveLength(22);
    expect(id).toMatch(SESSION_ID_PATTERN);
  });

  it("stays the same for the whole visit", () => {
    const storage = memory();
    const first = sessionId(storage, bytes);
    expect(sessionId(storage, bytes)).toBe(first);
    expect(storage.data.get("tg.sid")).toBe(first);
  });

  it("is new for a new visit, and replaces a stored value the server would refuse", () => {
    const storage = memory();
    const first = sessionId(storage, bytes);
    expect(sessionId(memory(), bytes)).not.toBe(first);
    storage.setItem("tg.sid", "ada@example.com");
    const replaced = sessionId(storage, bytes);
    expect(replaced).toMatch(SESSION_ID_PATTERN);
    expect(replaced).not.toBe("ada@example.com");
  });

  it("still works when the browser refuses storage", () => {
    const refusing: KeyValueStore = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("denied");
      },
    };
    expect(sessionId(refusing, bytes)).toMatch(SESSION_ID_PATTERN);
  });
});
