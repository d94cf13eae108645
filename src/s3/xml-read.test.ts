import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { XmlSyntaxError, isXmlChar, readXml } from './xml-read.js';

const refuses = (doc: string, why?: RegExp): void => {
  assert.throws(
    () => readXml(doc),
    (err: unknown) => {
      assert.ok(err instanceof XmlSyntaxError, `expected XmlSyntaxError, got ${String(err)}`);
      if (why) assert.match(err.message, why);
      return true;
    },
    doc,
  );
};

/** The text of <Key> in a one-element document. */
const key = (inner: string): unknown => readXml(`<Key>${inner}</Key>`).Key;

describe('readXml: references', () => {
  test('the five predefined entities decode', () => {
    assert.equal(key('&amp;&lt;&gt;&quot;&apos;'), '&<>"\'');
  });

  test('decimal and hex character references decode, hex digits in either case, with leading zeros', () => {
    assert.equal(key('&#34;d82d&#34;'), '"d82d"');
    assert.equal(key('&#x22;'), '"');
    assert.equal(key('&#x0022;&#0034;&#xe9;&#xE9;'), '""éé');
  });

  test('a reference to an astral-plane character decodes to that one character', () => {
    assert.equal(key('a&#x1F600;b&#128512;'), 'a😀b😀');
    assert.equal(key('😀'), '😀');
  });

  test('a reference to CR, LF or TAB keeps it (only literal line ends are normalized)', () => {
    assert.equal(key('a&#13;b&#xA;c&#9;d'), 'a\rb\nc\td');
    assert.equal(key('a\r\nb\rc'), 'a\nb\nc');
  });

  test('CDATA is taken literally, references and all', () => {
    assert.equal(key('x<![CDATA[&amp;<b>]]>y&amp;'), 'x&amp;<b>y&');
  });

  for (const bad of ['&#xZZ;', '&#X22;', '&#x;', '&#;', '&#0;', '&#x1;', '&#xFFFE;', '&#xD800;', '&#x110000;', '&#99999999999;', '&nbsp;', '&foo;', '&;', '& ', 'a&b', '&amp']) {
    test(`${JSON.stringify(bad)} is refused`, () => refuses(`<Key>${bad}</Key>`));
  }

  test('references in attribute values are checked too', () => {
    assert.deepEqual(readXml('<a x="&quot;&#34;"/>').a, '');
    refuses('<a x="&bogus;"/>', /undeclared entity/);
  });
});

describe('readXml: declarations', () => {
  test('a DOCTYPE is refused, with or without an internal subset', () => {
    refuses('<!DOCTYPE Delete><Delete/>', /DOCTYPE/);
    refuses('<?xml version="1.0"?>\n<!DOCTYPE Delete [<!ENTITY a "x">]><Delete>&a;</Delete>', /DOCTYPE/);
  });

  test('billion laughs is refused before any expansion', () => {
    const lol =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>';
    refuses(lol, /DOCTYPE/);
  });

  test('a declaration inside an element is refused', () => {
    refuses('<Delete><!ENTITY a "x"></Delete>', /markup declaration/);
  });

  test('the XML declaration is accepted only first, and another encoding than UTF-8 only for ASCII text', () => {
    assert.deepEqual(Object.keys(readXml('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<a/>')), ['a']);
    assert.deepEqual(Object.keys(readXml("\uFEFF<?xml version='1.0' encoding='utf-8'?><a/>")), ['a']);
    refuses(' <?xml version="1.0"?><a/>', /not at the start/);
    assert.deepEqual(Object.keys(readXml('<?xml version="1.0" encoding="ISO-8859-1"?><a>plain</a>')), ['a']);
    refuses('<?xml version="1.0" encoding="ISO-8859-1"?><a>é</a>', /declared as ISO-8859-1/);
    refuses('<?xml encoding="UTF-8"?><a/>', /declaration/);
  });
});

describe('readXml: well-formedness', () => {
  for (const [label, doc] of [
    ['mismatched end tag', '<a><b></a></b>'],
    ['unclosed root', '<a><b/>'],
    ['two roots', '<a/><b/>'],
    ['text after the root', '<a/>x'],
    ['text before the root', 'x<a/>'],
    ['a bare "<" in text', '<a>1 < 2</a>'],
    ['"]]>" in text', '<a>]]></a>'],
    ['an unquoted attribute', '<a x=1/>'],
    ['a repeated attribute', '<a x="1" x="2"/>'],
    ['attributes run together', '<a x="1"y="2"/>'],
    ['"<" in an attribute value', '<a x="<"/>'],
    ['"--" in a comment', '<a><!-- a -- b --></a>'],
    ['an unterminated CDATA section', '<a><![CDATA[x</a>'],
    ['a bad element name', '<1a/>'],
    ['a control character', '<a>\u0001</a>'],
    ['a non-character', '<a>\uFFFF</a>'],
    ['text mixed with elements', '<a>x<b/></a>'],
    ['an empty document', ''],
    ['only a comment', '<!-- x -->'],
  ] as const) {
    test(`${label} is refused`, () => refuses(doc));
  }

  test('elements nested deeper than any S3 document are refused', () => {
    refuses('<a>'.repeat(200) + '</a>'.repeat(200), /nested/);
  });
});

describe('readXml: shape', () => {
  test('children by local name, namespace prefixes dropped, comments and PIs skipped', () => {
    const doc = readXml(
      '<?xml version="1.0"?><!-- c --><s3:Delete xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/">\n' +
        '  <?pi x?><s3:Quiet>true</s3:Quiet><Object><Key> a </Key></Object>\n</s3:Delete>\n',
    );
    const del = doc.Delete as Record<string, unknown>;
    assert.equal(del.Quiet, 'true');
    assert.deepEqual({ ...(del.Object as object) }, { Key: ' a ' });
  });

  test('names in `repeated` are always lists; other repeated names become lists', () => {
    const one = readXml('<D><Object><Key>a</Key></Object></D>', new Set(['Object'])).D as Record<string, unknown>;
    assert.equal((one.Object as unknown[]).length, 1);
    const two = readXml('<D><Quiet>a</Quiet><Quiet>b</Quiet></D>').D as Record<string, unknown>;
    assert.deepEqual(two.Quiet, ['a', 'b']);
  });

  test('an empty element is the empty string; whitespace-only text is kept', () => {
    assert.equal(readXml('<a></a>').a, '');
    assert.equal(readXml('<a/>').a, '');
    assert.equal(readXml('<a>  </a>').a, '  ');
  });

  test('an element named __proto__ is an ordinary child', () => {
    const doc = readXml('<a><__proto__>x</__proto__></a>').a as Record<string, unknown>;
    // biome-ignore lint/suspicious/noProto: the test reads the own property a parsed <__proto__> element became
    assert.equal(doc['__proto__'], 'x');
    assert.equal(Object.getPrototypeOf(doc), null);
  });
});

test('isXmlChar follows the Char production of XML 1.0', () => {
  for (const cp of [0x9, 0xa, 0xd, 0x20, 0xd7ff, 0xe000, 0xfffd, 0x10000, 0x10ffff]) assert.ok(isXmlChar(cp), cp.toString(16));
  for (const cp of [0, 0x1, 0x8, 0xb, 0x1f, 0xd800, 0xdfff, 0xfffe, 0xffff, 0x110000, -1]) assert.ok(!isXmlChar(cp), cp.toString(16));
});
