// Remembering recent results of pure functions whose inputs repeat request after request (a
// client's x-amz-date for a second, its signed-header list, an object's Last-Modified).

/**
 * `compute` with its last results remembered. At `limit` entries everything is forgotten at
 * once: the inputs are few and hot, so a full LRU would cost more than it saves.
 */
export function recentlyComputed<K, V>(limit: number, compute: (key: K) => V): (key: K) => V {
  const known = new Map<K, V>();
  return (key: K): V => {
    if (known.has(key)) return known.get(key) as V;
    const value = compute(key);
    if (known.size >= limit) known.clear();
    known.set(key, value);
    return value;
  };
}
