// The console's places, in the URL's fragment: #/, #/b/<bucket>/<prefix>, #/users, #/usage.

export type Route = { view: 'buckets' } | { view: 'objects'; bucket: string; prefix: string } | { view: 'users' } | { view: 'usage' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  try {
    if (parts[0] === 'b' && parts[1]) return { view: 'objects', bucket: decodeURIComponent(parts[1]), prefix: decodeURIComponent(parts.slice(2).join('/')) };
  } catch {
    return { view: 'buckets' };
  }
  if (parts[0] === 'users') return { view: 'users' };
  if (parts[0] === 'usage') return { view: 'usage' };
  return { view: 'buckets' };
}

export function objectsHref(bucket: string, prefix = ''): string {
  return `#/b/${encodeURIComponent(bucket)}/${encodeURIComponent(prefix)}`;
}
