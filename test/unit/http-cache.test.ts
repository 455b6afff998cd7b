// If-None-Match parsing and comparison (RFC 9110 §13.1.2, weak comparison §8.8.3.2).
import { openApiDocument } from '../../api/openapi';
import { ifNoneMatchMatches, parseIfNoneMatch, strongEtag } from '../../api/shared/http-cache';

describe('If-None-Match', () => {
  const etag = strongEtag('{"id":"x"}');

  it('makes strong tags from the bytes: equal bodies, equal tags; any change, another', () => {
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(strongEtag('{"id":"x"}')).toBe(etag);
    expect(strongEtag('{"id":"y"}')).not.toBe(etag);
  });

  it('reads `*`, lists, weak tags and tags that contain commas', () => {
    expect(parseIfNoneMatch(' * ')).toBe('*');
    expect(parseIfNoneMatch('"a", W/"b",,"c,d"')).toEqual(['"a"', '"b"', '"c,d"']);
    expect(parseIfNoneMatch('')).toEqual([]);
    // Garbage ends the scan; what came before it still counts.
    expect(parseIfNoneMatch('"a", nonsense, "b"')).toEqual(['"a"']);
    expect(parseIfNoneMatch('"unterminated')).toEqual([]);
  });

  it('matches by weak comparison, `*`, and never on absent, different or partial tags', () => {
    expect(ifNoneMatchMatches(etag, etag)).toBe(true);
    expect(ifNoneMatchMatches(`W/${etag}`, etag)).toBe(true);
    expect(ifNoneMatchMatches(`"other", ${etag}`, etag)).toBe(true);
    expect(ifNoneMatchMatches(etag, `W/${etag}`)).toBe(true);
    expect(ifNoneMatchMatches('*', etag)).toBe(true);
    expect(ifNoneMatchMatches(undefined, etag)).toBe(false);
    expect(ifNoneMatchMatches('', etag)).toBe(false);
    expect(ifNoneMatchMatches('"other"', etag)).toBe(false);
    expect(ifNoneMatchMatches(etag.slice(0, -2) + '"', etag)).toBe(false);
    expect(ifNoneMatchMatches(etag.slice(1, -1), etag)).toBe(false); // unquoted: not an entity tag
  });
});

describe('the OpenAPI document', () => {
  const doc = openApiDocument() as unknown as {
    paths: Record<
      string,
      {
        get: {
          parameters?: { name: string; in: string }[];
          responses: Record<string, { headers?: Record<string, unknown>; content?: unknown }>;
        };
      }
    >;
  };

  it.each(['/api/products', '/api/products/{id}'])(
    'documents If-None-Match, the 304 and the caching headers of GET %s',
    (path) => {
      const op = doc.paths[path].get;
      expect(op.parameters?.some((p) => p.in === 'header' && p.name === 'If-None-Match')).toBe(true);
      for (const status of ['200', '304'])
        expect(Object.keys(op.responses[status].headers ?? {})).toEqual(
          expect.arrayContaining(['ETag', 'Cache-Control', 'Vary']),
        );
      expect(op.responses['304'].content).toBeUndefined();
    },
  );
});
