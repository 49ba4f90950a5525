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

// Domains own ops and events: the store file that applies an op or renders
// an event (server/store/dispatch.c keys its table by them).
const DOMAINS = spec.domains.map((d) => d.name);
const ROOM_KINDS = spec.room_kinds.map((r) => r.kind);
for (const o of spec.ops) {
  if (typeof o.writes !== 'boolean') throw new Error(`op ${o.op}: writes must be true or false`);
  if (o.domain !== undefined && !DOMAINS.includes(o.domain)) throw new Error(`op ${o.op}: bad domain ${o.domain}`);
  if (o.writes && o.domain === undefined) throw new Error(`op ${o.op}: a write needs a domain`);
}
// One entry per event name; an event documented once per room it goes to
// (thread.updated) is one event with several room kinds.
const EVENTS = [];
for (const e of spec.events || []) {
  if (typeof e.logged !== 'boolean') throw new Error(`event ${e.ev}: logged must be true or false`);
  if (e.logged !== (e.domain !== undefined)) throw new Error(`event ${e.ev}: a logged event needs a domain, only it`);
  if (e.domain !== undefined && !DOMAINS.includes(e.domain)) throw new Error(`event ${e.ev}: bad domain ${e.domain}`);
  const kinds = e.room === 'any' ? [] : e.room.split(',').map((r) => r.trim().split(':')[0]);
  for (const k of kinds) if (!ROOM_KINDS.includes(k)) throw new Error(`event ${e.ev}: bad room ${e.room}`);
  let x = EVENTS.find((y) => y.ev === e.ev);
  if (!x) EVENTS.push(x = { ev: e.ev, logged: e.logged, domain: e.domain, rooms: [] });
  if (x.logged !== e.logged || x.domain !== e.domain) throw new Error(`event ${e.ev}: entries disagree`);
  for (const k of kinds) if (!x.rooms.includes(k)) x.rooms.push(k);
}
const sortedEvents = EVENTS.map((e, i) => [e.ev, i + 1]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

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

h += `\n/* Domains: the part of the store that applies an op or renders an event. */\nenum proto_domain {\n\tPROTO_DOMAIN_NONE = 0,\n`;
for (const d of DOMAINS) h += `\tPROTO_DOMAIN_${cname(d)},\n`;
h += `\tPROTO_DOMAIN__COUNT\n};\n`;

h += `\n/* Room kinds: the part of a room's name before the colon. */\nenum proto_room_kind {\n\tPROTO_ROOM_NONE = 0,\n`;
for (const k of ROOM_KINDS) h += `\tPROTO_ROOM_${cname(k)},\n`;
h += `\tPROTO_ROOM__COUNT\n};\n`;

h += `\n/* Events (one per name). */\nenum proto_event {\n\tPROTO_EV_NONE = 0,\n`;
for (const e of EVENTS) h += `\tPROTO_EV_${cname(e.ev)},\n`;
h += `\tPROTO_EV__COUNT\n};\n`;

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
	int writes;             /* applied by the writer thread */
	enum proto_domain domain; /* who applies it (PROTO_DOMAIN_NONE: no store domain) */
};

struct proto_event_spec {
	const char *name;
	int logged;             /* appended to a room's log with a seq */
	enum proto_domain domain; /* who renders it from the current rows */
	unsigned rooms;         /* the room kinds it goes to: bit (1u << enum proto_room_kind) */
};

struct proto_err_spec {
	const char *code;
	int bad_input;          /* counts toward bad_requests_max */
};

extern const struct proto_op_spec proto_ops[PROTO_OP__COUNT];
extern const struct proto_err_spec proto_errs[PROTO_ERR__COUNT];
extern const char *const proto_roles[PROTO_ROLE__COUNT];
extern const struct proto_event_spec proto_events[PROTO_EV__COUNT];
extern const char *const proto_room_kinds[PROTO_ROOM__COUNT];
extern const char *const proto_domains[PROTO_DOMAIN__COUNT];

/* The event named name, PROTO_EV_NONE if there is none. */
enum proto_event proto_event_find(const char *name);

/* The kind of a room name ("thread:42" is PROTO_ROOM_THREAD), PROTO_ROOM_NONE
 * if its prefix is no room kind. Only the part before the colon is read. */
enum proto_room_kind proto_room_kind_of(const char *room);

/* The name of a close code (its close frame's reason), "" if unknown. */
const char *proto_close_name(unsigned code);

#endif
`;

// ---- C tables -------------------------------------------------------------
let c = `/* ${banner} */
#include <stddef.h>
#include <string.h>
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
const domainC = (d) => (d === undefined ? 'PROTO_DOMAIN_NONE' : `PROTO_DOMAIN_${cname(d)}`);
c += `\nconst struct proto_op_spec proto_ops[PROTO_OP__COUNT] = {\n\t[PROTO_OP_NONE] = { NULL, PROTO_AUTH_NONE, PROTO_ROLES_ANY, 0, 0, NULL, 0, PROTO_DOMAIN_NONE },\n`;
for (const o of spec.ops) {
  c += `\t[PROTO_OP_${cname(o.op)}] = { "${o.op}", PROTO_AUTH_${cname(o.auth)}, PROTO_ROLES_${cname(o.roles || 'any')}, ${o.test_only ? 1 : 0}, ${o.fields.length}, ${o.fields.length ? `fields_${cname(o.op)}` : 'NULL'}, ${o.writes ? 1 : 0}, ${domainC(o.domain)} },\n`;
}
c += `};\n\nconst struct proto_err_spec proto_errs[PROTO_ERR__COUNT] = {\n\t[PROTO_ERR_NONE] = { "ok", 0 },\n`;
for (const e of spec.errors) c += `\t[PROTO_ERR_${cname(e.code)}] = { "${e.code}", ${e.bad_input ? 1 : 0} },\n`;
c += `};\n\nconst char *const proto_roles[PROTO_ROLE__COUNT] = {\n\t[PROTO_ROLE_NONE] = NULL,\n`;
for (const r of spec.roles) c += `\t[PROTO_ROLE_${cname(r)}] = "${r}",\n`;
c += `};\n\nconst char *proto_close_name(unsigned code)\n{\n\tswitch (code) {\n`;
for (const x of spec.close_codes) c += `\tcase ${x.code}: return "${x.name}";\n`;
c += `\t}\n\treturn "";\n}\n`;

c += `\nconst struct proto_event_spec proto_events[PROTO_EV__COUNT] = {\n\t[PROTO_EV_NONE] = { NULL, 0, PROTO_DOMAIN_NONE, 0 },\n`;
for (const e of EVENTS) {
  const rooms = e.rooms.length ? e.rooms.map((k) => `(1u << PROTO_ROOM_${cname(k)})`).join(' | ') : '0';
  c += `\t[PROTO_EV_${cname(e.ev)}] = { "${e.ev}", ${e.logged ? 1 : 0}, ${domainC(e.domain)}, ${rooms} },\n`;
}
c += `};\n\nconst char *const proto_room_kinds[PROTO_ROOM__COUNT] = {\n\t[PROTO_ROOM_NONE] = NULL,\n`;
for (const k of ROOM_KINDS) c += `\t[PROTO_ROOM_${cname(k)}] = "${k}",\n`;
c += `};\n\nconst char *const proto_domains[PROTO_DOMAIN__COUNT] = {\n\t[PROTO_DOMAIN_NONE] = NULL,\n`;
for (const d of DOMAINS) c += `\t[PROTO_DOMAIN_${cname(d)}] = "${d}",\n`;
c += `};

/* Event names in byte order, for a binary search. */
static const enum proto_event events_by_name[] = {
${sortedEvents.map(([n]) => `\tPROTO_EV_${cname(n)},`).join('\n')}
};

enum proto_event proto_event_find(const char *name)
{
	size_t lo = 0, hi = sizeof(events_by_name) / sizeof(events_by_name[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(name, proto_events[events_by_name[mid]].name);

		if (d == 0)
			return events_by_name[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return PROTO_EV_NONE;
}

enum proto_room_kind proto_room_kind_of(const char *room)
{
	const char *colon = strchr(room, ':');
	size_t n = colon ? (size_t)(colon - room) : strlen(room);

	for (int k = 1; k < PROTO_ROOM__COUNT; k++)
		if (strlen(proto_room_kinds[k]) == n && memcmp(room, proto_room_kinds[k], n) == 0)
			return (enum proto_room_kind)k;
	return PROTO_ROOM_NONE;
}
`;

// ---- JS module ------------------------------------------------------------
const js = `// ${banner}
export const PROTOCOL = ${JSON.stringify(spec.name)};
export const LIMITS = Object.freeze(${JSON.stringify(Object.fromEntries(spec.limits.map((l) => [l.name, l.value])), null, 2)});
export const ERRORS = Object.freeze(${JSON.stringify(Object.fromEntries(spec.errors.map((e) => [e.code, { badInput: !!e.bad_input }])), null, 2)});
export const CLOSE = Object.freeze(${JSON.stringify(Object.fromEntries(spec.close_codes.map((x) => [x.name, x.code])), null, 2)});
export const ROLES = Object.freeze(${JSON.stringify(spec.roles)});
export const EVENTS = Object.freeze(${JSON.stringify((spec.events || []).map((e) => e.ev))});
export const STATES = Object.freeze(${JSON.stringify((spec.states || []).map((e) => e.st))});
export const OPS = Object.freeze(${JSON.stringify(Object.fromEntries(spec.ops.filter((o) => !o.test_only).map((o) => [o.op, { auth: o.auth, roles: o.roles || 'any', writes: o.writes }])), null, 2)});
export const ROOM_KINDS = Object.freeze(${JSON.stringify(ROOM_KINDS)});
export const EVENT_ROOMS = Object.freeze(${JSON.stringify(Object.fromEntries(EVENTS.map((e) => [e.ev, e.rooms])), null, 2)});
`;

const outputs = [
  ['server/protocol/protocol_gen.h', h],
  ['server/protocol/protocol_gen.c', c],
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
