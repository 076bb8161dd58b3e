#!/usr/bin/env node
// Compares what PostgreSQL holds with what the lake holds, value by value, in
// the canonical form of canon.mjs, through both independent readers.
//
//   node tests/node/compare.mjs [--key COL,...] [--show N] [--out DIR] [--pg-setting NAME=VALUE]
//                               SOURCE FILE_OR_GLOB...
//   node tests/node/compare.mjs --pg-only [--key COL,...] SOURCE
//
// SOURCE is a table name or a SELECT query (run by psql -X with the PG*
// environment). PostgreSQL's text output of each value (DateStyle ISO,
// TimeZone UTC, bytea hex, extra_float_digits 1, output functions, so char(n)
// keeps its padding) is brought to the canonical form by column type; a
// numeric column takes the scale of the lake's decimal type. Rows of both sides
// are sorted by the key columns (default: the first column).
// Prints "# " diagnostic lines; exit status 0 when PostgreSQL, DuckDB and
// hyparquet agree on names, row count and every value, 1 when they do not,
// 2 when something could not be read. --pg-setting changes a session setting
// of the dump (e.g. IntervalStyle=iso_8601 when the lake holds that text form). --out DIR keeps the three canonical
// dumps (pg.jsonl, duckdb.jsonl, hyparquet.jsonl).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as C from './canon.mjs';
import { expandFiles, printResult, readWith, schemaTypes, sortRows } from './read.mjs';

const PGSETTINGS = {
    TimeZone: 'UTC', DateStyle: 'ISO,YMD', IntervalStyle: 'postgres', bytea_output: 'hex',
    extra_float_digits: '1',
};

function psql(sql) {
    const PGOPTIONS = Object.entries(PGSETTINGS).map(([k, v]) => `-c ${k}=${v}`).join(' ');
    const r = spawnSync('psql', ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-f', '-'], {
        input: sql,
        encoding: 'utf8',
        maxBuffer: 1 << 30,
        env: { ...process.env, PGOPTIONS, PGCLIENTENCODING: 'UTF8' },
    });
    if (r.error) {
        throw r.error;
    }
    if (r.status !== 0) {
        throw new Error(`psql failed (${r.status}): ${r.stderr.trim()}`);
    }
    return r.stdout;
}

function ident(s) {
    return `"${s.replace(/"/g, '""')}"`;
}

function sourceSql(source) {
    return /^\s*(select|with|values|table)\b/i.test(source) ? source : `SELECT * FROM ${source}`;
}

// Reads SOURCE from PostgreSQL: {schema, rows, pgTypes}. lakeTypes (name ->
// canonical type), when given, decides the scale of numeric columns.
export function readPg(source, lakeTypes = {}) {
    const view = `CREATE TEMP VIEW weir_cmp_src AS ${sourceSql(source)};\n`;
    const colsOut = psql(view +
        'SELECT json_agg(json_build_array(a.attname, t.typname, a.atttypmod, t.typcategory) ' +
        'ORDER BY a.attnum) FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid ' +
        "WHERE a.attrelid = 'weir_cmp_src'::regclass AND a.attnum > 0 AND NOT a.attisdropped;\n");
    const cols = JSON.parse(colsOut.trim()).map(([name, typname, typmod, category]) =>
        ({ name, typname, typmod, category }));
    // An array the lake holds as a list comes as the JSON array of its
    // elements' text output (in order; [] when empty).
    const asList = c => c.category === 'A' && /^list</.test(lakeTypes[c.name] ?? '');
    const exprs = cols.map(c => asList(c)
        ? `CASE WHEN q.${ident(c.name)} IS NULL THEN NULL ELSE (SELECT COALESCE(json_agg(` +
          `CASE WHEN e IS NULL THEN NULL ELSE format('%s', e) END ORDER BY o), '[]'::json) ` +
          `FROM unnest(q.${ident(c.name)}) WITH ORDINALITY AS u(e, o)) END`
        : `CASE WHEN q.${ident(c.name)} IS NULL THEN NULL ELSE format('%s', q.${ident(c.name)}) END`);
    const out = psql(view + `SELECT json_build_array(${exprs.join(', ')}) FROM weir_cmp_src q;\n`);
    const rows = [];
    for (const line of out.split('\n')) {
        if (line === '') {
            continue;
        }
        const vals = JSON.parse(line);
        const o = {};
        cols.forEach((c, i) => {
            o[c.name] = asList(c)
                ? C.fromPgList(vals[i], c.typname.replace(/^_/, ''), c.typmod, lakeTypes[c.name])
                : C.fromPgText(vals[i], c.typname, c.typmod, lakeTypes[c.name] ?? null);
        });
        rows.push(o);
    }
    const schema = cols.map(c => ({
        name: c.name,
        type: C.pgCanonicalType(c.typname, c.typmod, c.category),
    }));
    return { schema, rows };
}

function clip(v, n = 160) {
    const s = JSON.stringify(v) ?? 'undefined';
    return s.length > n ? `${s.slice(0, n)}...(${s.length} chars)` : s;
}

// Differences between two canonical results, rows paired by their key
// columns (rows with equal keys pair in order), as diagnostic lines.
function diffResults(nameA, a, nameB, b, keys, show) {
    const lines = [];
    const colsA = a.schema.map(c => c.name), colsB = b.schema.map(c => c.name);
    if (JSON.stringify(colsA) !== JSON.stringify(colsB)) {
        lines.push(`columns differ: ${nameA} ${clip(colsA, 400)}`);
        lines.push(`                ${nameB} ${clip(colsB, 400)}`);
        return lines;
    }
    if (a.rows.length !== b.rows.length) {
        lines.push(`row count differs: ${nameA} ${a.rows.length}, ${nameB} ${b.rows.length}`);
    }
    const keyOf = r => JSON.stringify(keys.map(k => r[k]));
    const label = k => `${keys.join(',')}=${clip(JSON.parse(k).join(','), 80)}`;
    const byKey = new Map();
    for (const r of b.rows) {
        const k = keyOf(r);
        if (!byKey.has(k)) {
            byKey.set(k, []);
        }
        byKey.get(k).push(r);
    }
    let shown = 0, differing = 0;
    const note = l => {
        differing++;
        if (shown < show) {
            shown++;
            lines.push(...(Array.isArray(l) ? l : [l]));
        }
    };
    for (const ra of a.rows) {
        const k = keyOf(ra);
        const list = byKey.get(k);
        const rb = list && list.length ? list.shift() : null;
        if (!rb) {
            note(`only in ${nameA} (${label(k)}): ${clip(ra, 300)}`);
            continue;
        }
        if (JSON.stringify(ra) === JSON.stringify(rb)) {
            continue;
        }
        const l = [`row ${label(k)}:`];
        for (const c of colsA) {
            if (JSON.stringify(ra[c]) !== JSON.stringify(rb[c])) {
                l.push(`  ${c}: ${nameA} ${clip(ra[c])}`);
                l.push(`  ${' '.repeat(c.length)}  ${nameB} ${clip(rb[c])}`);
            }
        }
        note(l);
    }
    for (const [k, list] of byKey) {
        for (const rb of list) {
            note(`only in ${nameB} (${label(k)}): ${clip(rb, 300)}`);
        }
    }
    if (differing > shown) {
        lines.push(`... ${differing - shown} more differing rows`);
    }
    return lines;
}

function usage(msg) {
    process.stderr.write(`compare.mjs: ${msg}\nusage: compare.mjs [--key COL,...] [--show N] ` +
        '[--out DIR] SOURCE FILE_OR_GLOB...\n       compare.mjs --pg-only [--key COL,...] SOURCE\n');
    process.exit(2);
}

async function main(argv) {
    let keys = null, show = 5, outDir = null, pgOnly = false;
    const args = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
        if (a === '--key') {
            keys = next().split(',');
        } else if (a === '--show') {
            show = Number(next());
        } else if (a === '--out') {
            outDir = next();
        } else if (a === '--pg-setting') {
            const [name, ...v] = next().split('=');
            PGSETTINGS[name] = v.join('=');
        } else if (a === '--pg-only') {
            pgOnly = true;
        } else if (a.startsWith('--')) {
            usage(`unknown option ${a}`);
        } else {
            args.push(a);
        }
    }
    const [source, ...globs] = args;
    if (!source || (!pgOnly && globs.length === 0)) {
        usage('a source and at least one file or glob are needed');
    }
    if (pgOnly) {
        const pg = readPg(source);
        printResult(sortRows(pg, keys || [pg.schema[0]?.name]));
        return 0;
    }
    const files = expandFiles(globs);
    const lake = {};
    for (const reader of ['duckdb', 'hyparquet']) {
        lake[reader] = await readWith(reader, files);
    }
    const lakeTypes = schemaTypes(lake.duckdb.schema);
    const pg = readPg(source, lakeTypes);
    const k = keys || [pg.schema[0]?.name];
    sortRows(pg, k);
    // Sort both lake results with the PostgreSQL types' order (integers numerically).
    for (const r of Object.values(lake)) {
        r.rows.sort(C.rowComparator(k, { ...schemaTypes(pg.schema), ...schemaTypes(r.schema) }));
    }
    if (outDir) {
        mkdirSync(outDir, { recursive: true });
        for (const [name, r] of [['pg', pg], ['duckdb', lake.duckdb], ['hyparquet', lake.hyparquet]]) {
            const parts = [];
            printResult(r, s => parts.push(s));
            writeFileSync(path.join(outDir, `${name}.jsonl`), parts.join(''));
        }
    }
    let bad = false;
    const say = l => process.stdout.write(`# ${l}\n`);
    for (const reader of ['duckdb', 'hyparquet']) {
        const d = diffResults('postgres', pg, reader, lake[reader], k, show);
        if (d.length) {
            bad = true;
            say(`postgres and ${reader} differ (${files.length} files):`);
            d.forEach(l => say(`  ${l}`));
        }
    }
    const sd = JSON.stringify(lake.duckdb.schema), sh = JSON.stringify(lake.hyparquet.schema);
    if (sd !== sh) {
        say(`note: the readers see different types: duckdb ${sd}`);
        say(`                                   hyparquet ${sh}`);
    }
    if (!bad) {
        say(`${pg.rows.length} rows x ${pg.schema.length} columns equal in postgres, duckdb and ` +
            `hyparquet (${files.length} files)`);
    }
    return bad ? 1 : 0;
}

process.stdout.on('error', () => process.exit(2));
main(process.argv.slice(2)).then(code => {
    process.exitCode = code;
}).catch(e => {
    process.stdout.write(`# compare.mjs: ${String(e.message || e).split('\n').join('\n#   ')}\n`);
    process.exitCode = e.exitCode === 66 ? 1 : 2;
});
