/**
 * The methods of every route, by path, so that a request for a known path with another method
 * is answered 405 with `Allow` (RFC 9110 §15.5.6) rather than 404. Filled as the app registers
 * its routes (fastify's `onRoute` in the web node, the express router's table in the gateway's
 * admin plane). Paths are matched exactly: the apps have no parametric routes.
 */
export class RouteMethods {
  private readonly byPath = new Map<string, Set<string>>();

  add(path: string, methods: string | readonly string[]): void {
    let set = this.byPath.get(path);
    if (!set) this.byPath.set(path, (set = new Set()));
    for (const method of typeof methods === 'string' ? [methods] : methods)
      set.add(method.toUpperCase());
  }

  /** The methods `path` has, in a stable order; empty for an unknown path. */
  allowed(path: string): string[] {
    const set = this.byPath.get(path);
    return set ? ORDER.filter((m) => set.has(m)) : [];
  }
}

const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
