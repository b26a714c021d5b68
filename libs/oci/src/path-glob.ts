// Shell-style globs over absolute image paths, as `filesToSign` patterns are written (`/opt/lib/modules/*/*.ko`):
// `*` and `?` stay within one path component, `[…]` is a character class, and `**` spans components.

export function globToRegExp(pattern: string): RegExp {
  const path = normalizeImagePath(pattern);
  if (path === undefined) throw new Error(`glob "${pattern}" is not a path inside an image`);
  let source = '';
  for (let i = 0; i < path.length; i++) {
    const c = path.charAt(i);
    if (c === '*' && path.charAt(i + 1) === '*') {
      const wholeComponent = path.charAt(i - 1) === '/' && (i + 2 === path.length || path.charAt(i + 2) === '/');
      if (wholeComponent && path.charAt(i + 2) === '/') {
        source += '(?:[^/]*/)*'; // "**/" matches zero or more directories
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (c === '*') {
      source += '[^/]*';
    } else if (c === '?') {
      source += '[^/]';
    } else if (c === '[') {
      const close = path.indexOf(']', i + 2);
      if (close === -1) {
        source += '\\[';
        continue;
      }
      let body = path.slice(i + 1, close);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      source += `(?!/)[${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else {
      source += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/** A matcher for any of the globs. */
export function matchAnyGlob(globs: readonly string[]): (path: string) => boolean {
  const patterns = globs.map(globToRegExp);
  return (path) => patterns.some((p) => p.test(path));
}

/**
 * An absolute, normalised path inside an image (`/opt/x`) from a tar entry name or user path (`./opt/x/`,
 * `opt//x`), or undefined when it escapes the root (`..`) or names the root itself.
 */
export function normalizeImagePath(name: string): string | undefined {
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    parts.push(part);
  }
  return parts.length === 0 ? undefined : `/${parts.join('/')}`;
}
