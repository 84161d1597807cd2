// Validates the traffic the integration suite recorded (var/contract/*.jsonl, written by
// tests/lib/it.c) against docs/openapi.yaml: every exchange must match a documented operation and
// status, its JSON body must validate against the response schema (objects are closed here:
// undocumented fields fail), an error's code must be listed for that response (x-error-codes) or
// be one of the document's x-common-error-codes, and documented required headers must be present.
// Prints the failures (operation, status, first schema errors, test binary) and a coverage line.
//
//   node validate.mjs [DIR]      (default: var/contract of the repository)
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { ROOT, loadDoc, operations, deref } from './lib.mjs';

const dir = process.argv[2] || join(ROOT, 'var', 'contract');
const MAX_SHOWN = 40;
const doc = loadDoc();

// Closed objects for the check: an object schema listing its properties admits no others
// (the document itself stays open to additions, which clients must ignore).
const strict = structuredClone(doc);
(function close(node, inAllOf) {
    if (Array.isArray(node)) return node.forEach((n) => close(n, inAllOf));
    if (!node || typeof node !== 'object') return;
    if (node.properties && node.additionalProperties === undefined && !inAllOf) node.additionalProperties = false;
    for (const [k, v] of Object.entries(node)) close(v, k === 'allOf');
})(strict.components);
for (const item of Object.values(strict.paths)) (function close(node) {
    if (Array.isArray(node)) return node.forEach(close);
    if (!node || typeof node !== 'object') return;
    if (node.properties && node.additionalProperties === undefined) node.additionalProperties = false;
    Object.values(node).forEach(close);
})(item);

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(strict, 'doc');
const compiled = new Map();
function validator(pointer) {
    if (!compiled.has(pointer)) compiled.set(pointer, ajv.compile({ $ref: 'doc#' + pointer }));
    return compiled.get(pointer);
}
const esc = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');

const ops = operations(strict);
const common = doc['x-common-error-codes'] || {};
// Every listed code is in the catalogue (components/x-error-catalogue, with its status).
const catalogue = doc.components['x-error-catalogue'] || {};
const docErrors = [];
for (const o of ops) for (const [st, r] of Object.entries(o.op.responses)) for (const c of r['x-error-codes'] || []) {
    const k = catalogue[c];
    if (!k) docErrors.push(`${o.op.operationId} ${st}: code ${c} is not in components/x-error-catalogue`);
    else if (![].concat(k.status).includes(Number(st))) docErrors.push(`${o.op.operationId} ${st}: code ${c} has status ${k.status} in the catalogue`);
}
if (docErrors.length) { console.log(docErrors.join('\n')); process.exit(1); }

const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort() : [];
if (files.length === 0) {
    console.error(`contract: no recordings in ${dir} (run the integration suite first: make integration)`);
    process.exit(1);
}

const failures = new Map(); // key -> {count, first}
let exchanges = 0;
const seen = new Set();
function fail(key, msg) {
    const f = failures.get(key);
    if (f) f.count++;
    else failures.set(key, { count: 1, msg });
}

for (const file of files) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
        if (!line) continue;
        let x;
        try { x = JSON.parse(line); } catch { continue; }
        exchanges++;
        check(x);
    }
}

function errorCode(x) {
    return x.body && x.body.error && typeof x.body.error.code === 'string' ? x.body.error.code : null;
}

function validateBody(pointer, x, label) {
    const v = validator(pointer);
    if (!v(x.body)) {
        const errs = v.errors.slice(0, 3).map((e) => `${e.instancePath || '(body)'} ${e.message}${e.params && e.params.additionalProperty ? ` '${e.params.additionalProperty}'` : ''}${e.params && e.params.allowedValues ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}`);
        fail(label + ' schema:' + errs.join(';'), `${label}: body does not match the schema: ${errs.join('; ')} (${x.test})`);
        return false;
    }
    return true;
}

function check(x) {
    const method = x.method.toLowerCase();
    if ((doc['x-debug-paths'] || []).includes(x.path)) return; // served only with debug_routes on
    const match = ops.find((o) => o.method === method && o.re.test(x.path));
    const code = errorCode(x);
    if (!x.headers['x-request-id']) fail('reqid', `${x.method} ${x.path} ${x.status}: no X-Request-Id (${x.test})`);
    if (!match) {
        // Deliberately wrong requests: an unknown path is 404 not_found, a known path with
        // another method is 405 method_not_allowed with Allow (the document's x-generic-responses).
        const other = ops.some((o) => o.re.test(x.path));
        const want = other ? ['405', 'method_not_allowed'] : ['404', 'not_found'];
        const label = `${x.method} ${x.path} (no operation) ${x.status}`;
        if (String(x.status) !== want[0] && !(String(x.status) === '400' && code === 'invalid_request')) {
            fail(label, `${label}: not a documented operation; expected ${want[0]} ${want[1]} (${x.test})`);
            return;
        }
        if (String(x.status) === want[0] && code !== want[1]) fail(label + code, `${label}: code ${code}, expected ${want[1]} (${x.test})`);
        if (want[0] === '405' && !x.headers.allow) fail(label + 'allow', `${label}: no Allow header (${x.test})`);
        validateBody('/components/schemas/Error', x, label);
        return;
    }
    const id = match.op.operationId || `${method} ${match.path}`;
    const label = `${id} (${x.method} ${match.path}) ${x.status}`;
    seen.add(id);
    let resp = match.op.responses[String(x.status)];
    const ptr = `/paths/${esc(match.path)}/${method}/responses/${x.status}`;
    if (!resp) {
        if (code && common[code] === x.status) return void validateBody('/components/schemas/Error', x, label);
        fail(label, `${label}: status not documented${code ? ` (code ${code})` : ''} (${x.test})`);
        return;
    }
    let pointer = ptr;
    if (resp.$ref) { pointer = resp.$ref.slice(1); resp = deref(strict, resp); }
    const ctype = (x.headers['content-type'] || '').split(';')[0].trim();
    const content = resp.content || {};
    if (x.status >= 400) {
        if (!code) { fail(label + 'env', `${label}: error without the envelope (${x.test})`); return; }
        const listed = resp['x-error-codes'] || [];
        if (!listed.includes(code) && common[code] !== x.status)
            fail(label + code, `${label}: error code '${code}' is not listed for this response (x-error-codes: ${listed.join(', ') || 'none'}) (${x.test})`);
    }
    for (const [name, h] of Object.entries(resp.headers || {})) {
        const hh = deref(strict, h);
        if (hh.required && !(name.toLowerCase() in x.headers))
            fail(label + 'h' + name, `${label}: required header ${name} missing (${x.test})`);
    }
    if (x.status === 204 || x.body_bytes === 0 && Object.keys(content).length === 0) return;
    if (ctype !== 'application/json' && content[ctype]) return;
    if (content['application/json']) {
        if (!content['application/json'].schema) { fail(label + 'nos', `${label}: no response schema (${x.test})`); return; }
        if (x.body === undefined) { fail(label + 'nojson', `${label}: documented as JSON, got ${ctype || 'no content type'} (${x.test})`); return; }
        validateBody(pointer + '/content/application~1json/schema', x, label);
    } else if (Object.keys(content).length) {
        if (!content[ctype]) fail(label + 'ct', `${label}: content type ${ctype} not documented (${Object.keys(content).join(', ')}) (${x.test})`);
    } else if (x.body !== undefined || x.body_bytes) {
        fail(label + 'nos', `${label}: a body came back but the response has no schema (${x.test})`);
    }
}

const total = ops.length;
const unseen = ops.filter((o) => !seen.has(o.op.operationId || `${o.method} ${o.path}`)).map((o) => o.op.operationId || `${o.method} ${o.path}`);
if (failures.size) {
    console.log(`contract: ${failures.size} distinct failure(s) in ${exchanges} recorded exchanges:`);
    let i = 0;
    for (const { count, msg } of failures.values()) {
        if (i++ >= MAX_SHOWN) { console.log(`  ... and ${failures.size - MAX_SHOWN} more`); break; }
        console.log(`  - ${msg}${count > 1 ? ` [x${count}]` : ''}`);
    }
}
console.log(`contract: coverage ${seen.size}/${total} documented operations seen in ${exchanges} exchanges from ${files.length} test binaries${unseen.length ? `; not called: ${unseen.join(', ')}` : ''}`);
process.exit(failures.size ? 1 : 0);
