// Shared by the contract tools: loads docs/openapi.yaml and lists its operations.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DOC_PATH = join(ROOT, 'docs', 'openapi.yaml');
export const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export function loadDoc() {
    return YAML.parse(readFileSync(DOC_PATH, 'utf8'));
}

// Every operation: {method, path, op, re}; literal paths first, so a template never shadows one.
export function operations(doc) {
    const ops = [];
    for (const [path, item] of Object.entries(doc.paths)) {
        for (const method of METHODS) {
            if (!item[method]) continue;
            const src = path.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+');
            // x-rest-of-path: the last parameter spans the rest of the path, slashes included.
            const src2 = item[method]['x-rest-of-path'] ? src.replace(/\[\^\/\]\+$/, '.+') : src;
            ops.push({ method, path, op: item[method], re: new RegExp('^' + src2 + '$'), params: (path.match(/\{/g) || []).length });
        }
    }
    ops.sort((a, b) => a.params - b.params);
    return ops;
}

// Resolves a local $ref ("#/components/...") once.
export function deref(doc, node) {
    while (node && node.$ref) {
        node = node.$ref.slice(2).split('/').reduce((o, k) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
    }
    return node;
}
