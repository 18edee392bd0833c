#!/usr/bin/env node
// Writes src/openapi-types.ts from the server's OpenAPI document (`GET /api/openapi.json`):
// one TypeScript type per `components.schemas` entry, `OpenApiOperationTypes` (each
// operation's query, JSON body and success answer) and `OPENAPI_OPERATIONS`
// ({method, path, operationId} of every operation). test/types/openapi-check.ts compares
// the SDK's hand-written REST types with these; test/integration/openapi.test.ts fails when
// the running server's document no longer generates the committed file.
//
//   node scripts/openapi-types.mjs [SOURCE] [--check]
//
// SOURCE: a JSON file, or a server's URL (its base URL or the document's). Without one,
// starts `$LIVEPLAN_BIN serve` (else `$CARGO_TARGET_DIR/debug/liveplan`, else
// `../target/debug/liveplan`) in dev mode on a fresh SQLite database in a temp dir, so the
// document has the dev-mode routes too. `--check`: write nothing; exit 1 when the file
// differs.
//
// Only the JSON Schema the document uses is understood: `$ref` to components.schemas,
// `type` (one or a list, `null` included; integer and number are `number`), `enum` of
// strings, `properties`/`required`, `additionalProperties` (`Record<string, T>`), `items`,
// `oneOf`/`anyOf` (a union), `allOf` of objects (merged into one interface), and
// annotations that do not change the type (`description`, `format`, `minimum`, …). Two
// schemas say "anything" and are typed so: `{}` (`unknown`) and `{"type": "object"}` with
// no properties (`Record<string, unknown>`). Anything else throws, naming the keyword and
// where it is: extend this script rather than let a type come out wider than the document
// says.
//
// No dependencies: plain Node (>= 20).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Where the generated file lives. */
export const OUTPUT = resolve(here, '../src/openapi-types.ts');

/** How to regenerate it, for messages. */
export const REGENERATE = 'LIVEPLAN_BIN=<path to the liveplan binary> npm run openapi-types (in client/)';

const REF = '#/components/schemas/';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** Keywords that say something about a value but nothing its TypeScript type could. */
const ANNOTATIONS = new Set([
  'description',
  'title',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'default',
  'example',
  'examples',
  'deprecated',
]);
/** The keywords that shape a type, all understood below. */
const SHAPING = ['$ref', 'oneOf', 'anyOf', 'allOf', 'enum', 'type', 'items', 'properties', 'required', 'additionalProperties'];
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

class Unsupported extends Error {
  constructor(where, what) {
    super(`openapi-types: ${where}: ${what} (scripts/openapi-types.mjs understands only what its header lists)`);
    this.name = 'Unsupported';
  }
}

const quote = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const key = (name) => (IDENTIFIER.test(name) ? name : quote(name));
/** ` T`, or `T` itself when it starts on a new line. */
const spaced = (type) => (type.startsWith('\n') ? type : ` ${type}`);
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `/** … *\/` for `text` at `indent`, or nothing. */
function doc(text, indent) {
  if (typeof text !== 'string' || !text.trim()) return '';
  const lines = text.replace(/\*\//g, '*\\/').trim().split('\n');
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} *${l ? ` ${l}` : ''}`).join('\n')}\n${indent} */\n`;
}

/** The generator for one document. */
class Generator {
  constructor(document) {
    if (!isObject(document)) throw new Unsupported('document', 'not a JSON object');
    if (typeof document.openapi !== 'string' || !document.openapi.startsWith('3.1'))
      throw new Unsupported('openapi', `version ${JSON.stringify(document.openapi)}, expected 3.1.x`);
    this.document = document;
    this.schemas = document.components?.schemas ?? {};
    if (!isObject(this.schemas)) throw new Unsupported('components.schemas', 'not an object');
  }

  /** `#/components/schemas/Name` → `Name`, which must exist. */
  refName(ref, where) {
    if (typeof ref !== 'string' || !ref.startsWith(REF))
      throw new Unsupported(where, `$ref ${JSON.stringify(ref)} (only ${REF}… is understood)`);
    const name = ref.slice(REF.length);
    if (!IDENTIFIER.test(name)) throw new Unsupported(where, `schema name ${JSON.stringify(name)}`);
    if (!Object.hasOwn(this.schemas, name)) throw new Unsupported(where, `$ref to a missing schema ${name}`);
    return name;
  }

  /** The keywords of `schema` that shape its type (annotations left out). */
  keywords(schema, where) {
    if (!isObject(schema)) throw new Unsupported(where, `a schema that is ${JSON.stringify(schema)}`);
    const words = Object.keys(schema).filter((k) => !ANNOTATIONS.has(k));
    for (const k of words) if (!SHAPING.includes(k)) throw new Unsupported(where, `keyword ${JSON.stringify(k)}`);
    return words;
  }

  /** Throws unless every keyword of `schema` is in `allowed`. */
  only(schema, where, allowed) {
    for (const k of this.keywords(schema, where))
      if (!allowed.includes(k))
        throw new Unsupported(where, `keyword ${JSON.stringify(k)} (here only ${allowed.join(', ')} can be)`);
  }

  /** The TypeScript type of `schema`, at `indent` (for the lines of an object type). */
  type(schema, where, indent = '') {
    const words = this.keywords(schema, where);
    if (words.length === 0) return 'unknown'; // `{}`: JSON Schema's "any value"
    if (words.includes('$ref')) {
      this.only(schema, where, ['$ref']);
      return this.refName(schema.$ref, where);
    }
    for (const union of ['oneOf', 'anyOf']) {
      if (!words.includes(union)) continue;
      this.only(schema, where, [union]);
      if (!Array.isArray(schema[union]) || schema[union].length === 0)
        throw new Unsupported(where, `${union} that is not a non-empty list`);
      return this.union(
        schema[union].map((s, i) => this.type(s, `${where}/${union}/${i}`, indent)),
        indent,
      );
    }
    if (words.includes('allOf')) return this.objectType(this.merge(schema, where), where, indent);
    if (words.includes('enum')) {
      this.only(schema, where, ['enum', 'type']);
      if (!Array.isArray(schema.enum) || schema.enum.length === 0)
        throw new Unsupported(where, 'enum that is not a non-empty list');
      const types = schema.type === undefined ? null : [schema.type].flat();
      return this.union(
        schema.enum.map((v) => {
          const t = v === null ? 'null' : typeof v;
          if (t !== 'string' && t !== 'null') throw new Unsupported(where, `enum value ${JSON.stringify(v)}`);
          if (types && !types.includes(t)) throw new Unsupported(where, `enum value ${JSON.stringify(v)} not of its type`);
          return v === null ? 'null' : quote(v);
        }),
        indent,
      );
    }
    if (!words.includes('type')) throw new Unsupported(where, `keywords ${words.join(', ')} without a type`);
    const types = [schema.type].flat();
    if (types.length === 0 || types.some((t) => typeof t !== 'string'))
      throw new Unsupported(where, `type ${JSON.stringify(schema.type)}`);
    return this.union(
      types.map((t) => this.single(t, schema, where, indent)),
      indent,
    );
  }

  /** The type of `schema` read as the one JSON type `t`. */
  single(t, schema, where, indent) {
    switch (t) {
      case 'null':
        // `["array", "null"]` with `items`: the other keywords speak of the other type.
        return t;
      case 'string':
      case 'boolean':
        this.only(schema, where, ['type']);
        return t;
      case 'integer':
      case 'number':
        this.only(schema, where, ['type']);
        return 'number';
      case 'array': {
        this.only(schema, where, ['type', 'items']);
        if (!isObject(schema.items)) throw new Unsupported(where, 'an array without one `items` schema');
        const item = this.type(schema.items, `${where}/items`, indent);
        return /[|&]/.test(item) ? `(${item})[]` : `${item}[]`;
      }
      case 'object': {
        this.only(schema, where, ['type', 'properties', 'required', 'additionalProperties']);
        const extra = schema.additionalProperties;
        if (schema.properties === undefined) {
          if (extra === undefined || extra === true) return 'Record<string, unknown>'; // any object
          if (extra === false) throw new Unsupported(where, 'an object that allows no property at all');
          return `Record<string, ${this.type(extra, `${where}/additionalProperties`, indent)}>`;
        }
        if (extra !== undefined && extra !== false)
          throw new Unsupported(where, '`properties` together with `additionalProperties`');
        return this.objectType(this.fields(schema, where), where, indent);
      }
      default:
        throw new Unsupported(where, `type ${JSON.stringify(t)}`);
    }
  }

  /** `[name, schema, required, where]` of an object schema's properties, in its order. */
  fields(schema, where) {
    const properties = schema.properties;
    const required = schema.required ?? [];
    if (!isObject(properties)) throw new Unsupported(where, '`properties` that is not an object');
    if (!Array.isArray(required) || required.some((r) => !Object.hasOwn(properties, r)))
      throw new Unsupported(where, `required ${JSON.stringify(required)} names a property it does not have`);
    return Object.entries(properties).map(([name, s]) => [name, s, required.includes(name), `${where}/properties/${name}`]);
  }

  /** The fields of an `allOf` whose parts are all objects (inline or `$ref`), merged. */
  merge(schema, where, seen = new Set()) {
    this.only(schema, where, ['allOf']);
    if (!Array.isArray(schema.allOf) || schema.allOf.length === 0)
      throw new Unsupported(where, 'allOf that is not a non-empty list');
    const out = [];
    schema.allOf.forEach((part, i) => {
      let at = `${where}/allOf/${i}`;
      let through = seen;
      if (isObject(part) && this.keywords(part, at).includes('$ref')) {
        this.only(part, at, ['$ref']);
        const name = this.refName(part.$ref, at);
        if (seen.has(name)) throw new Unsupported(at, `allOf that refers to itself through ${name}`);
        through = new Set([...seen, name]);
        part = this.schemas[name];
        at = `${REF}${name}`;
      }
      let fields;
      if (this.keywords(part, at).includes('allOf')) fields = this.merge(part, at, through);
      else if (part.type === 'object' && part.properties !== undefined) {
        this.only(part, at, ['type', 'properties', 'required', 'additionalProperties']);
        if (part.additionalProperties !== undefined && part.additionalProperties !== false)
          throw new Unsupported(at, 'allOf of an object with `additionalProperties`');
        fields = this.fields(part, at);
      } else throw new Unsupported(at, 'allOf of something other than objects with properties');
      for (const field of fields) {
        if (out.some(([name]) => name === field[0]))
          throw new Unsupported(field[3], `property ${field[0]} defined twice in an allOf`);
        out.push(field);
      }
    });
    return out;
  }

  /** `{ … }` of the fields of the object at `where`, one property a line. */
  objectType(fields, where, indent) {
    // `properties: {}` allows any object, which no interface says.
    if (fields.length === 0) throw new Unsupported(where, 'an object with empty `properties`');
    const inner = `${indent}  `;
    const lines = fields.map(
      ([name, s, required, at]) =>
        `${doc(s.description, inner)}${inner}${key(name)}${required ? '' : '?'}:${spaced(this.type(s, at, inner))};`,
    );
    return `{\n${lines.join('\n')}\n${indent}}`;
  }

  /** `a | b`, `null` last; one member a line when long (the text then starts with `\n`). */
  union(members, indent) {
    const all = [...new Set(members)].sort((a, b) => Number(a === 'null') - Number(b === 'null'));
    const line = all.join(' | ');
    if (all.length < 2 || line.length + indent.length <= 80 || all.some((m) => m.includes('\n'))) return line;
    return all.map((m) => `\n${indent}  | ${m}`).join('');
  }

  /** `export interface` / `export type` for the schema `name`. */
  declaration(name) {
    const schema = this.schemas[name];
    const where = `${REF}${name}`;
    if (!IDENTIFIER.test(name)) throw new Unsupported(where, `schema name ${JSON.stringify(name)}`);
    const words = this.keywords(schema, where);
    const head = doc(schema.description, '');
    if (words.includes('allOf')) return `${head}export interface ${name} ${this.objectType(this.merge(schema, where), where, '')}\n`;
    if (schema.type === 'object' && schema.properties !== undefined) {
      const body = this.type(schema, where);
      if (body.startsWith('{')) return `${head}export interface ${name} ${body}\n`;
    }
    return `${head}export type ${name} =${spaced(this.type(schema, where))};\n`;
  }

  /** Every operation, sorted by path, then method. */
  operations() {
    const paths = this.document.paths ?? {};
    if (!isObject(paths)) throw new Unsupported('paths', 'not an object');
    const ops = [];
    for (const path of Object.keys(paths).sort()) {
      const item = paths[path];
      if (!isObject(item)) throw new Unsupported(path, 'a path item that is not an object');
      for (const k of Object.keys(item))
        if (!METHODS.includes(k)) throw new Unsupported(path, `path-level keyword ${JSON.stringify(k)}`);
      for (const method of METHODS) {
        const op = item[method];
        if (op === undefined) continue;
        const where = `${method.toUpperCase()} ${path}`;
        if (typeof op.operationId !== 'string' || !IDENTIFIER.test(op.operationId))
          throw new Unsupported(where, `operationId ${JSON.stringify(op.operationId)}`);
        if (ops.some((o) => o.operationId === op.operationId))
          throw new Unsupported(where, `operationId ${op.operationId} used twice`);
        ops.push({ method: method.toUpperCase(), path, operationId: op.operationId, op, where });
      }
    }
    return ops;
  }

  /** `{ name?: T; … }` of an operation's query parameters, or `never`. */
  query(op, where, indent) {
    const fields = [];
    for (const [i, p] of (op.parameters ?? []).entries()) {
      const at = `${where}: parameter ${i}`;
      if (!isObject(p) || p.$ref !== undefined) throw new Unsupported(at, 'a parameter by $ref');
      if (!['path', 'query', 'header', 'cookie'].includes(p.in)) throw new Unsupported(at, `parameter in ${JSON.stringify(p.in)}`);
      if (p.in !== 'query') continue; // path: the route's own; headers: the SDK's request options
      if (!isObject(p.schema)) throw new Unsupported(at, 'a parameter without `schema`');
      fields.push([p.name, { ...p.schema, description: p.description }, p.required === true, `${at} (${p.name})`]);
    }
    return fields.length ? this.objectType(fields, where, indent) : 'never';
  }

  /** The `schema` of a media type, which must have one. */
  schemaOf(media, where) {
    if (!isObject(media) || !isObject(media.schema)) throw new Unsupported(where, 'content without a `schema`');
    return media.schema;
  }

  /** The JSON request body's type, or `never`. */
  body(op, where, indent) {
    const body = op.requestBody;
    if (body === undefined) return 'never';
    const at = `${where}: requestBody`;
    if (!isObject(body) || body.$ref !== undefined) throw new Unsupported(at, 'a request body by $ref');
    const types = Object.keys(body.content ?? {});
    if (types.length !== 1 || types[0] !== 'application/json')
      throw new Unsupported(at, `content ${JSON.stringify(types)} (only application/json)`);
    const type = this.type(this.schemaOf(body.content['application/json'], at), `${at} (application/json)`, indent);
    return body.required === true ? type : `${type} | undefined`;
  }

  /** The body of the 2xx answers: `void` when one has none; `never` when there is no 2xx. */
  response(op, where, indent) {
    const out = [];
    for (const [status, answer] of Object.entries(op.responses ?? {})) {
      if (!/^2\d\d$/.test(status)) continue;
      const at = `${where}: answer ${status}`;
      if (!isObject(answer) || answer.$ref !== undefined) throw new Unsupported(at, 'an answer by $ref');
      const types = Object.keys(answer.content ?? {});
      if (types.length === 0) out.push('void');
      else if (types.length > 1) throw new Unsupported(at, `several content types ${JSON.stringify(types)}`);
      else if (types[0] === 'application/json' || types[0].startsWith('text/plain')) {
        const schema = this.schemaOf(answer.content[types[0]], at);
        const type = this.type(schema, `${at} (${types[0]})`, indent);
        if (types[0] !== 'application/json' && type !== 'string')
          throw new Unsupported(at, `${types[0]} with a schema other than a string`);
        out.push(type);
      } else throw new Unsupported(at, `content type ${types[0]}`);
    }
    return out.length ? this.union(out, indent) : 'never';
  }

  generate() {
    const names = Object.keys(this.schemas).sort();
    const ops = this.operations();
    const operationTypes = ops.map(({ method, path, operationId, op, where }) => {
      const i = '    ';
      return (
        `  /** \`${method} ${path}\` */\n` +
        `  ${operationId}: {\n` +
        `${i}query:${spaced(this.query(op, where, i))};\n` +
        `${i}body:${spaced(this.body(op, where, i))};\n` +
        `${i}response:${spaced(this.response(op, where, i))};\n` +
        `  };`
      );
    });
    return [
      '// Generated by scripts/openapi-types.mjs from the server\'s OpenAPI document',
      '// (`GET /api/openapi.json` of a server in dev mode). Do not edit; regenerate with',
      `//   ${REGENERATE}`,
      '// test/types/openapi-check.ts checks the SDK\'s REST types against these, and',
      '// test/integration/openapi.test.ts fails when the server no longer generates this file.',
      '// Not part of the SDK\'s bundle (src/index.ts does not export it).',
      '',
      ...names.map((name) => this.declaration(name)),
      '/**',
      ' * Each operation\'s query parameters, JSON request body and 2xx answer body, by',
      ' * `operationId`. `never`: it has none (`response: never`: no 2xx answer, e.g. the',
      ' * WebSocket upgrade); `void`: an answer without a body. Path parameters are the',
      ' * `{…}` of the path; headers are left to the SDK\'s request options.',
      ' */',
      'export interface OpenApiOperationTypes {',
      ...operationTypes,
      '}',
      '',
      '/** Every operation of the document, by path, then method. */',
      'export const OPENAPI_OPERATIONS = [',
      ...ops.map(
        ({ method, path, operationId }) =>
          `  { method: ${quote(method)}, path: ${quote(path)}, operationId: ${quote(operationId)} },`,
      ),
      '] as const;',
      '',
    ].join('\n');
  }
}

/** The text of src/openapi-types.ts for an OpenAPI document (parsed JSON). */
export function generate(document) {
  return new Generator(document).generate();
}

/** The liveplan binary, as the tests find it (test/helpers/server.ts). */
function liveplanBin() {
  const bin =
    process.env.LIVEPLAN_BIN ??
    join(process.env.CARGO_TARGET_DIR ?? resolve(here, '../../target'), 'debug/liveplan');
  if (!existsSync(bin))
    throw new Error(`the liveplan binary is not at ${bin}: build it (cargo build), or set LIVEPLAN_BIN`);
  return bin;
}

/** Starts the binary in dev mode on a temp database, reads its document, stops it. */
async function fromBinary() {
  const dir = mkdtempSync(join(tmpdir(), 'liveplan-openapi-'));
  const env = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('LIVEPLAN_') && k !== 'DATABASE_URL' && k !== 'RUST_LOG') env[k] = v;
  env.DATABASE_URL = `sqlite://${join(dir, 'liveplan.db')}`;
  env.RUST_LOG = 'info';
  const child = spawn(liveplanBin(), ['serve', '--bind', '127.0.0.1:0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((done) => child.once('exit', done));
  try {
    const port = await new Promise((done, fail) => {
      let log = '';
      const timer = setTimeout(() => fail(new Error(`the server did not log its port:\n${log}`)), 30_000);
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk) => {
        log += chunk;
        const m = /listening on port (\d+)/.exec(log);
        if (m) {
          clearTimeout(timer);
          done(Number(m[1]));
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        fail(new Error(`the server exited before listening:\n${log}`));
      });
    });
    return await fromUrl(`http://127.0.0.1:${port}`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

async function fromUrl(url) {
  const target = url.endsWith('.json') ? url : `${url.replace(/\/+$/, '')}/api/openapi.json`;
  const res = await fetch(target);
  if (!res.ok) throw new Error(`GET ${target}: HTTP ${res.status}`);
  return res.json();
}

async function main(args) {
  const check = args.includes('--check');
  const sources = args.filter((a) => a !== '--check');
  if (sources.length > 1 || sources.some((s) => s.startsWith('-')))
    throw new Error('usage: node scripts/openapi-types.mjs [FILE | URL] [--check]');
  const [source] = sources;
  const document =
    source === undefined
      ? await fromBinary()
      : /^https?:\/\//.test(source)
        ? await fromUrl(source)
        : JSON.parse(readFileSync(source, 'utf8'));
  const text = generate(document);
  const current = existsSync(OUTPUT) ? readFileSync(OUTPUT, 'utf8') : null;
  if (check) {
    if (text !== current) {
      console.error(`${OUTPUT} differs from the server's document: regenerate it with\n  ${REGENERATE}`);
      process.exitCode = 1;
    } else console.log(`${OUTPUT} is up to date`);
    return;
  }
  if (text === current) console.log(`${OUTPUT} is up to date`);
  else {
    writeFileSync(OUTPUT, text);
    console.log(`wrote ${OUTPUT}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
