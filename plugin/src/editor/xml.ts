/**
 * A small reader for the element-and-attribute XML of OpenRaster's stack.xml. It works the same
 * in the browser and in node (tests), which DOMParser does not. Text content is not needed here.
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function unescape(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, code: string) => {
    if (code[0] !== "#") return ENTITIES[code] ?? whole;
    return String.fromCodePoint(code[1] === "x" || code[1] === "X" ? parseInt(code.slice(2), 16) : parseInt(code.slice(1), 10));
  });
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${Object.keys(ENTITIES).find((k) => ENTITIES[k] === c)};`);
}

const TAG = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>|<!DOCTYPE[^>]*>|<(\/?)([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
const ATTRIBUTE = /([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Parses a document and returns its root element; throws on unbalanced tags. */
export function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: "#document", attributes: {}, children: [] };
  const open: XmlElement[] = [root];
  for (const match of text.matchAll(TAG)) {
    const [, closing, name, attrText, selfClosing] = match;
    if (!name) continue; // comment, declaration, CDATA
    const parent = open[open.length - 1];
    if (closing) {
      if (parent.name !== name) throw new Error(`XML: </${name}> closes <${parent.name}>`);
      open.pop();
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const a of (attrText ?? "").matchAll(ATTRIBUTE)) attributes[a[1]] = unescape(a[2] ?? a[3] ?? "");
    const element: XmlElement = { name, attributes, children: [] };
    parent.children.push(element);
    if (!selfClosing) open.push(element);
  }
  if (open.length !== 1) throw new Error(`XML: <${open[open.length - 1].name}> is never closed`);
  const element = root.children[0];
  if (!element) throw new Error("XML: no root element");
  return element;
}
