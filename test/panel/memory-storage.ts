/** localStorage in memory, for the settings the panel remembers. */
import type { KeyValueStorage } from "../../plugin/src/model/settings";

export class MemoryStorage implements KeyValueStorage {
  private values = new Map<string, string>();
  getItem(key: string) {
    return this.values.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.values.set(key, value);
  }
}
