#!/usr/bin/env node
// Generates the C and JS views of protocol/protocol.json, the one source of
// truth for ops, fields, error codes, close codes and limits.
//
//   node scripts/gen-protocol.mjs           write the generated files
//   node scripts/gen-protocol.mjs --check   exit 1 if any generated file is stale
//
// The generated files are committed so that building the daemon needs no Node.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const spec = JSON.parse(readFileSync(join(root, 'protocol/protocol.json'), 'utf8'));
const check = process.argv.includes('--check');

const FIELD_TYPES = ['string', 'text', 'int', 'bool', 'resume', 'key', 'enum', 'id', 'room', 'ints', 'texts'];
const LIST_TYPES = ['ints', 'texts'];
const AUTH = ['none', 'user'];
const OP_ROLES = ['any', 'staff', 'admin'];
const banner = 'Generated from protocol/protocol.json by scripts/gen-protocol.mjs. Do not edit.';

const cname = (s) => s.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
const limitValue = (v) => {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  const l = spec.limits.find((x) => x.name === v);
  if (!l) throw new Error(`unknown limit ${v}`);
  return l.value;
};

// ---- validation of the source itself --------------------------------------
const seen = new Set();
for (const e of spec.errors) {
  if (!/^[a-z0-9_]+$/.test(e.code) || seen.has(e.code)) throw new Error(`bad error code ${e.code}`);
  seen.add(e.code);
}
for (const o of spec.ops) {
  if (!AUTH.includes(o.auth)) throw new Error(`op ${o.op}: bad auth ${o.auth}`);
  if (!OP_ROLES.includes(o.roles || 'any')) throw new Error(`op ${o.op}: bad roles ${o.roles}`);
  for (const f of o.fields) {
    if (!FIELD_TYPES.includes(f.type)) throw new Error(`op ${o.op}.${f.name}: bad type ${f.type}`);
    if (f.type === 'enum' && !Array.isArray(f.values)) throw new Error(`op ${o.op}.${f.name}: enum needs values`);
    if (LIST_TYPES.includes(f.type) !== (f.max_items !== undefined)) throw new Error(`op ${o.op}.${f.name}: max_items goes with list types`);
  }
}
const maxFields = Math.max(1, ...spec.ops.map((o) => o.fields.length));

// ---- C header ---------------------------------------------------------------
let h = `/* ${banner} */
#ifndef FORUMD_PROTOCOL_GEN_H
#define FORUMD_PROTOCOL_GEN_H

#include <stdint.h>

#define PROTO_NAME "${spec.name}"

/* Limits (PROTOCOL.md, "Limits"). */
`;
for (const l of spec.limits) h += `#define PROTO_${cname(l.name)} ${l.value}\n`;

h += `\n/* Error codes; PROTO_ERR_NONE means success. */\nenum proto_err {\n\tPROTO_ERR_NONE = 0,\n`;
for (const e of spec.errors) h += `\tPROTO_ERR_${cname(e.code)},\n`;
h += `\tPROTO_ERR__COUNT\n};\n`;

h += `\n/* WebSocket close codes. */\nenum proto_close {\n`;
for (const c of spec.close_codes) h += `\tPROTO_CLOSE_${cname(c.name)} = ${c.code},\n`;
h += `};\n`;

h += `\n/* Course roles carried by tokens. */\nenum proto_role {\n\tPROTO_ROLE_NONE = 0,\n`;
for (const r of spec.roles) h += `\tPROTO_ROLE_${cname(r)},\n`;
h += `\tPROTO_ROLE__COUNT\n};\n`;

h += `\n/* Ops. */\nenum proto_op {\n\tPROTO_OP_NONE = 0,\n`;
for (const o of spec.ops) h += `\tPROTO_OP_${cname(o.op)},\n`;
h += `\tPROTO_OP__COUNT\n};\n`;

h += `\n/* Field indices within each op's decoded fields. */\n`;
for (const o of spec.ops) {
  o.fields.forEach((f, i) => { h += `#define PF_${cname(o.op)}_${cname(f.name)} ${i}\n`; });
}

h += `
#define PROTO_MAX_FIELDS ${maxFields}

enum proto_ftype {
${FIELD_TYPES.map((t) => `\tPROTO_FT_${cname(t)}`).join(',\n')}
};

enum proto_auth {
${AUTH.map((a) => `\tPROTO_AUTH_${cname(a)}`).join(',\n')}
};

/* Who may use an op (PROTOCOL.md, "Role table"). */
enum proto_op_roles {
${OP_ROLES.map((a) => `\tPROTO_ROLES_${cname(a)}`).join(',\n')}
};

struct proto_field_spec {
	const char *name;
	enum proto_ftype type;
	int required;
	int64_t min;            /* int: smallest value; string/text/key: shortest; ints: smallest item */
	int64_t max;            /* int: largest value; string/key: bytes; text: characters;
	                         * ints: largest item; texts: characters of one item */
	const char *const *values; /* enum: NULL-terminated list */
	int64_t max_items;      /* ints, texts: most items in the list */
};

struct proto_op_spec {
	const char *name;
	enum proto_auth auth;
	enum proto_op_roles roles;
	int test_only;
	int nfields;
	const struct proto_field_spec *fields;
};

struct proto_err_spec {
	const char *code;
	int bad_input;          /* counts toward bad_requests_max */
};

extern const struct proto_op_spec proto_ops[PROTO_OP__COUNT];
extern const struct proto_err_spec proto_errs[PROTO_ERR__COUNT];
extern const char *const proto_roles[PROTO_ROLE__COUNT];

/* The name of a close code (its close frame's reason), "" if unknown. */
const char *proto_close_name(unsigned code);

#endif
`;

// ---- C tables -------------------------------------------------------------
let c = `/* ${banner} */
#include <stddef.h>
#include "protocol_gen.h"

`;
for (const o of spec.ops) {
  for (const f of o.fields) {
    if (f.type === 'enum') {
      c += `static const char *const enum_${cname(o.op)}_${cname(f.name)}[] = { ${f.values.map((v) => JSON.stringify(v)).join(', ')}, NULL };\n`;
    }
  }
}
for (const o of spec.ops) {
  if (!o.fields.length) continue;
  c += `static const struct proto_field_spec fields_${cname(o.op)}[] = {\n`;
  for (const f of o.fields) {
    let min = limitValue(f.min);
    let max = limitValue(f.type === 'int' || f.type === 'ints' ? f.max_value : f.max);
    if (f.type === 'key') { min = min ?? limitValue('min_key_chars'); max = max ?? limitValue('max_key_chars'); }
    if (f.type === 'id') { min = min ?? 1; max = max ?? Number.MAX_SAFE_INTEGER; }
    if (f.type === 'int' || f.type === 'ints') { min = min ?? -Number.MAX_SAFE_INTEGER; max = max ?? Number.MAX_SAFE_INTEGER; }
    const maxItems = limitValue(f.max_items) ?? 0;
    const vals = f.type === 'enum' ? `enum_${cname(o.op)}_${cname(f.name)}` : 'NULL';
    c += `\t{ "${f.name}", PROTO_FT_${cname(f.type)}, ${f.required ? 1 : 0}, ${min ?? 0}LL, ${max ?? 0}LL, ${vals}, ${maxItems}LL },\n`;
  }
  c += `};\n`;
}
c += `\nconst struct proto_op_spec proto_ops[PROTO_OP__COUNT] = {\n\t[PROTO_OP_NONE] = { NULL, PROTO_AUTH_NONE, PROTO_ROLES_ANY, 0, 0, NULL },\n`;
for (const o of spec.ops) {
  c += `\t[PROTO_OP_${cname(o.op)}] = { "${o.op}", PROTO_AUTH_${cname(o.auth)}, PROTO_ROLES_${cname(o.roles || 'any')}, ${o.test_only ? 1 : 0}, ${o.fields.length}, ${o.fields.length ? `fields_${cname(o.op)}` : 'NULL'} },\n`;
}
c += `};\n\nconst struct proto_err_spec proto_errs[PROTO_ERR__COUNT] = {\n\t[PROTO_ERR_NONE] = { "ok", 0 },\n`;
for (const e of spec.errors) c += `\t[PROTO_ERR_${cname(e.code)}] = { "${e.code}", ${e.bad_input ? 1 : 0} },\n`;
c += `};\n\nconst char *const proto_roles[PROTO_ROLE__COUNT] = {\n\t[PROTO_ROLE_NONE] = NULL,\n`;
for (const r of spec.roles) c += `\t[PROTO_ROLE_${cname(r)}] = "${r}",\n`;
c += `};\n\nconst char *proto_close_name(unsigned code)\n{\n\tswitch (code) {\n`;
for (const x of spec.close_codes) c += `\tcase ${x.code}: return "${x.name}";\n`;
c += `\t}\n\treturn "";\n}\n`;

// ---- JS module ------------------------------------------------------------
const js = `// ${banner}
export const PROTOCOL = ${JSON.stringify(spec.name)};
export const LIMITS = Object.freeze(${JSON.stringify(Object.fromEntries(spec.limits.map((l) => [l.name, l.value])), null, 2)});
export const ERRORS = Object.freeze(${JSON.stringify(Object.fromEntries(spec.errors.map((e) => [e.code, { badInput: !!e.bad_input }])), null, 2)});
export const CLOSE = Object.freeze(${JSON.stringify(Object.fromEntries(spec.close_codes.map((x) => [x.name, x.code])), null, 2)});
export const ROLES = Object.freeze(${JSON.stringify(spec.roles)});
export const EVENTS = Object.freeze(${JSON.stringify((spec.events || []).map((e) => e.ev))});
export const STATES = Object.freeze(${JSON.stringify((spec.states || []).map((e) => e.st))});
export const OPS = Object.freeze(${JSON.stringify(Object.fromEntries(spec.ops.filter((o) => !o.test_only).map((o) => [o.op, { auth: o.auth, roles: o.roles || 'any' }])), null, 2)});
`;

const outputs = [
  ['server/proto/protocol_gen.h', h],
  ['server/proto/protocol_gen.c', c],
  ['client-js/protocol.js', js],
];
let stale = 0;
for (const [rel, text] of outputs) {
  const p = join(root, rel);
  const old = existsSync(p) ? readFileSync(p, 'utf8') : null;
  if (old === text) continue;
  if (check) { console.error(`stale: ${rel} (run make gen)`); stale++; continue; }
  writeFileSync(p, text);
  console.log(`wrote ${rel}`);
}
process.exit(stale ? 1 : 0);
