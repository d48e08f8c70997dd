/**
 * The promise made for `key`, made once and shared by every caller; a rejected one is forgotten,
 * so the next call tries again (a failed download or session must not stay cached).
 */
export function once<K, V>(cache: Map<K, Promise<V>>, key: K, make: () => Promise<V>): Promise<V> {
  let made = cache.get(key);
  if (!made) {
    const fresh = make();
    fresh.catch(() => cache.get(key) === fresh && cache.delete(key));
    cache.set(key, (made = fresh));
  }
  return made;
}
