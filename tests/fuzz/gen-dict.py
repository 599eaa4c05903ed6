#!/usr/bin/env python3
"""Write the libFuzzer dictionary of scenario keys (scenario.dict) from the
key table in models/keys.c (every segment of every key path and every word
of its choices: the keys the loader accepts), the key lists left in
models/scenario*.c and config/*.c (every string in a
`static const char *const x[] = { ... }` list), plus the YAML and value
syntax the loader reads.  A test checks that scenario.dict is this
script's output.

    tests/fuzz/gen-dict.py > tests/fuzz/scenario.dict
"""
import glob
import os
import re
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
lists = re.compile(r'(?:const\s+char\s*\*\s*const\s*(?:\*\s*const\s*)?\w*\s*\[\s*\w*\s*\]\s*=|'
                   r'\(\s*const\s+char\s*\*\s*const\s*\[\s*\]\s*\))\s*\{(.*?)\}',
                   re.S)
string = re.compile(r'"((?:[^"\\]|\\.)*)"')

words = set()
files = sorted(glob.glob(os.path.join(root, 'models', 'scenario*.c'))) + \
    sorted(glob.glob(os.path.join(root, 'config', '*.c')))
for path in files:
    with open(path, encoding='utf-8') as f:
        text = f.read()
    for m in lists.finditer(text):
        for s in string.findall(m.group(1)):
            if s and re.fullmatch(r'[A-Za-z0-9_.%-]+', s):
                words.add(s)

# the key table's rows: { "path", CS_KEY_TYPE, flags, "choices" or NULL, ...
rows = re.compile(r'\{\s*"([^"]*)",\s*CS_KEY_\w+,\s*[^,]*,\s*(?:"([^"]*)"|NULL|DIST_KINDS)')
with open(os.path.join(root, 'models', 'keys.c'), encoding='utf-8') as f:
    text = f.read()
kinds = re.search(r'#define DIST_KINDS "([^"]*)"', text)
for m in rows.finditer(text):
    for seg in re.split(r'[.\[\]]+', m.group(1)):
        if seg and seg != 'NAME' and not seg.startswith('<'):
            words.add(seg)
    choice = m.group(2) or (kinds.group(1) if 'DIST_KINDS' in m.group(0) else '')
    words.update(w for w in choice.split() if w)

if len(words) < 40:
    sys.exit('gen-dict.py: found only %d keys; has the key-list style changed?'
             % len(words))

# YAML structure, units and the harness's own separator
syntax = [': ', '\n', '\n  ', '- ', '{', '}', '[', ']', ', ', '"', "'", '&a',
          '*a', '<<: ', '!!', '|\n', '>\n', '~', 'null', '.inf', '-.inf',
          '.nan', '1e308', '-1', '0', '0.5', '100', '99999999999999999999',
          'ms', 's', 'm', 'h', '%', '=', '#--set\n', '---\n', '...\n']
print('# libFuzzer dictionary for fuzz-scenario, written by gen-dict.py from')
print('# the key table in models/keys.c and the lists in config/*.c.  Regenerate')
print('# after adding keys:  tests/fuzz/gen-dict.py > tests/fuzz/scenario.dict')
for w in sorted(words):
    print('"%s"' % w)
    print('"%s: "' % w)
for s in syntax:
    print('"%s"' % s.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\x0a'))
