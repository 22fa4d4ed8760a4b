/**
 * The request target, normalised once (docs/gateway.md, "Request targets"): what the upstream
 * is sent, and the form every refusal rule is applied to. The gateway forwards the normal form
 * (RFC 3986 §6.2.2: unreserved characters decoded, percent-encodings upper-cased, dot-segments
 * removed; absolute-form turned into origin-form, RFC 9112 §3.2.2; no fragment, RFC 9112 §3.2),
 * so that no spelling reaches an upstream other than the one the rules saw. Rules match a still
 * stricter form ({@link RequestTarget.rulePath}) so that a router that decodes more (`%2F`),
 * merges slashes or ignores a trailing slash or case cannot be led past them either.
 */
export interface RequestTarget {
  /** origin-form sent upstream: the normal path, then the query as the client sent it. */
  readonly path: string;
  /** What refusal rules match: fully decoded, `\` as `/`, slashes merged, no trailing `/`, lower case. */
  readonly rulePath: string;
  /** The authority of an absolute-form target: it replaces Host (RFC 9112 §3.2.2). */
  readonly authority?: string;
}

/** A target that is already normal: a path of plain characters, no dot-segment, no `//`. */
const PLAIN = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*(?:\?[^#]*)?$/;

const ABSOLUTE = /^https?:\/\/([^/?#]*)(.*)$/i;

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** The normal form of `url` (the request-target as Node parsed it), or undefined when it is invalid. */
export function normaliseTarget(url: string): RequestTarget | undefined {
  if (PLAIN.test(url) && !url.includes('/.') && !url.includes('//')) {
    const q = url.indexOf('?');
    return { path: url, rulePath: ruleForm(q === -1 ? url : url.slice(0, q)) };
  }
  let rest = url;
  let authority: string | undefined;
  const absolute = ABSOLUTE.exec(url);
  if (absolute) {
    authority = absolute[1];
    // userinfo is not allowed in an http(s) URI sent as a target (RFC 9110 §4.2.4).
    if (authority === '' || authority.includes('@')) return undefined;
    rest = absolute[2].startsWith('/') ? absolute[2] : `/${absolute[2]}`;
  } else if (!url.startsWith('/')) return undefined; // `*`, other schemes, authority-form
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const rawPath = q === -1 ? rest : rest.slice(0, q);
  const query = q === -1 ? '' : rest.slice(q);
  const decoded = decodeUnreserved(rawPath);
  if (decoded === undefined) return undefined;
  const path = removeDotSegments(decoded);
  // Above the root, or a NUL in the path: no upstream can mean anything by it (nginx: 400).
  if (path === undefined) return undefined;
  const full = decodeAll(path);
  if (full.includes('\0')) return undefined;
  const rulePath = removeDotSegments(full.replace(/\\/g, '/'));
  if (rulePath === undefined) return undefined;
  return {
    path: path + query,
    rulePath: ruleForm(rulePath),
    ...(authority === undefined ? {} : { authority }),
  };
}

function ruleForm(path: string): string {
  let p = path.includes('//') ? path.replace(/\/{2,}/g, '/') : path;
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p.toLowerCase();
}

/** Decode percent-encoded unreserved characters, upper-case the rest; undefined if a `%` is not `%XX`. */
function decodeUnreserved(path: string): string | undefined {
  if (!path.includes('%')) return path;
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    const hex = path.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
    const ch = String.fromCharCode(parseInt(hex, 16));
    out += UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return out;
}

/** Every `%XX` decoded, as bytes read as latin1 (what a rule compares needs no UTF-8). */
function decodeAll(path: string): string {
  return path.includes('%')
    ? path.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    : path;
}

/** RFC 3986 §5.2.4, on a path that starts with `/`; undefined when a `..` would climb above the root. */
export function removeDotSegments(path: string): string | undefined {
  if (!path.includes('.')) return path;
  const segments = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i];
    const last = i === segments.length - 1;
    if (segment === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      if (last) out.push('');
    } else if (segment === '.') {
      if (last) out.push('');
    } else out.push(segment);
  }
  return `/${out.join('/')}`;
}
