// polkadot.js side of the btscript benchmarks. It is started by
// `go run ./bench` and is not meant to be run by hand.
//
// Two modes:
//
//   node pjs.mjs worker        read one JSON command per line on stdin, run
//                              it, answer one line "@@BENCH {json}" on stdout
//   node pjs.mjs first URL     connect, read SubtensorModule.Tempo(1) at the
//                              head, print "@@FIRST <value>" and exit (the
//                              Go side times it from spawn to that line)
//
// All timings are taken here with performance.now(), around the work only.
// polkadot.js logs through console.log; it is sent to stderr so that stdout
// carries nothing but answers.

import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';

import { ApiPromise, WsProvider } from '@polkadot/api';
import { Metadata, TypeRegistry } from '@polkadot/types';
import { hexToU8a } from '@polkadot/util';

console.log = console.error;
console.info = console.error;
console.warn = console.error;

const MARK = '@@BENCH ';

function readHex (file) {
  return hexToU8a(readFileSync(file, 'utf8').trim());
}

// parse: a fresh TypeRegistry with the metadata set, as ApiPromise does.
function parseMetadata (u8a) {
  const registry = new TypeRegistry();
  const metadata = new Metadata(registry, u8a);

  registry.setMetadata(metadata);

  return registry;
}

// outputType returns the lookup type name of a runtime API method's output.
function outputType (registry, rpcName) {
  for (const api of registry.metadata.apis) {
    for (const m of api.methods) {
      if (`${api.name.toString()}_${m.name.toString()}` === rpcName) {
        return registry.createLookupType(m.output);
      }
    }
  }

  throw new Error(`no runtime API method ${rpcName}`);
}

const state = {
  metaBytes: null,
  registry: null,
  cases: new Map(),
  api: null
};

async function connect (url) {
  const api = await ApiPromise.create({ noInitWarn: true, provider: new WsProvider(url) });

  return api;
}

const ops = {
  // setup: load the metadata and the recorded outputs (not timed).
  setup ({ metadata, cases }) {
    state.metaBytes = readHex(metadata);
    state.registry = parseMetadata(state.metaBytes);

    for (const c of cases) {
      const bytes = readHex(c.file);
      const type = outputType(state.registry, c.method);
      const value = state.registry.createType(type, bytes);

      if (value.encodedLength !== bytes.length) {
        throw new Error(`${c.method}: decoded ${value.encodedLength} of ${bytes.length} bytes`);
      }

      state.cases.set(c.name, { bytes, type, items: Array.isArray(value.toJSON()) ? value.toJSON().length : -1 });
    }

    return { cases: Object.fromEntries([...state.cases].map(([k, v]) => [k, { type: v.type, items: v.items }])) };
  },

  parse ({ n }) {
    const ms = [];

    for (let i = 0; i < n; i++) {
      const t0 = performance.now();

      parseMetadata(state.metaBytes);
      ms.push(performance.now() - t0);
    }

    return { ms };
  },

  // decode: createType only ("value") or createType + toJSON ("json").
  decode ({ name, n, json }) {
    const c = state.cases.get(name);
    const ms = [];
    let items = 0;

    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const v = state.registry.createType(c.type, c.bytes);

      if (json) {
        items = v.toJSON().length;
      } else {
        items = v.length;
      }

      ms.push(performance.now() - t0);
    }

    return { ms, items };
  },

  async connect ({ url }) {
    if (state.api) {
      await state.api.disconnect();
    }

    const t0 = performance.now();

    state.api = await connect(url);

    return { ms: [performance.now() - t0], spec: state.api.runtimeVersion.specVersion.toNumber() };
  },

  async disconnect () {
    if (state.api) {
      await state.api.disconnect();
      state.api = null;
    }

    return {};
  },

  // reads: head hash, then one state.getStorage per key, all in flight.
  async reads ({ ids }) {
    const api = state.api;
    const entry = api.query.subtensorModule.tempo.creator;
    const t0 = performance.now();
    const hash = await api.rpc.chain.getBlockHash();
    const vals = await Promise.all(ids.map((id) => api.rpc.state.getStorage([entry, [id]], hash)));
    const ms = performance.now() - t0;
    let sum = 0;

    for (const v of vals) {
      sum += v.toNumber();
    }

    return { ms: [ms], sum };
  },

  // pairs: row 6, head hash, api.at(hash), then the batched .multi of
  // SubtensorModule.BlockAtRegistration for [netuid, uid] pairs.
  async pairs ({ pairs }) {
    const api = state.api;
    const t0 = performance.now();
    const hash = await api.rpc.chain.getBlockHash();
    const apiAt = await api.at(hash);
    const vals = await apiAt.query.subtensorModule.blockAtRegistration.multi(pairs);
    const ms = performance.now() - t0;
    let sum = 0;

    for (const v of vals) {
      sum += v.toNumber();
    }

    return { ms: [ms], sum };
  },

  // multi: head hash, api.at(hash), then the batched .multi of the item.
  async multi ({ ids }) {
    const api = state.api;
    const t0 = performance.now();
    const hash = await api.rpc.chain.getBlockHash();
    const apiAt = await api.at(hash);
    const vals = await apiAt.query.subtensorModule.tempo.multi(ids);
    const ms = performance.now() - t0;
    let sum = 0;

    for (const v of vals) {
      sum += v.toNumber();
    }

    return { ms: [ms], sum };
  },

  // map: the whole of System.Account at the head, entriesPaged pages.
  async map ({ pageSize }) {
    const api = state.api;
    const t0 = performance.now();
    const hash = await api.rpc.chain.getBlockHash();
    const apiAt = await api.at(hash);
    let startKey;
    let count = 0;
    let free = 0n;

    for (;;) {
      const page = await apiAt.query.system.account.entriesPaged({ args: [], pageSize, startKey });

      for (const [, v] of page) {
        free += v.data.free.toBigInt();
      }

      count += page.length;

      if (page.length < pageSize) {
        break;
      }

      startKey = page[page.length - 1][0].toHex();
    }

    const ms = performance.now() - t0;

    return { ms: [ms], count, free: free.toString() };
  },

  // first: connect a new ApiPromise and read one value, in this process.
  async first ({ url }) {
    const t0 = performance.now();
    const api = await connect(url);
    const v = await api.query.subtensorModule.tempo(1);
    const ms = performance.now() - t0;

    await api.disconnect();

    return { ms: [ms], value: v.toNumber() };
  }
};

async function worker () {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });

  for await (const line of rl) {
    if (!line.trim()) {
      continue;
    }

    let out;

    try {
      const cmd = JSON.parse(line);
      const fn = ops[cmd.op];

      if (!fn) {
        throw new Error(`unknown op ${cmd.op}`);
      }

      out = { ok: true, ...(await fn(cmd)) };
    } catch (e) {
      out = { ok: false, error: String(e && e.stack ? e.stack : e) };
    }

    process.stdout.write(MARK + JSON.stringify(out) + '\n');
  }

  if (state.api) {
    await state.api.disconnect();
  }

  process.exit(0);
}

async function first (url) {
  const api = await connect(url);
  const v = await api.query.subtensorModule.tempo(1);

  process.stdout.write(`@@FIRST ${v.toString()}\n`);
  await api.disconnect();
  process.exit(0);
}

const [mode, arg] = process.argv.slice(2);

if (mode === 'worker') {
  worker().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else if (mode === 'first') {
  first(arg).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  console.error('usage: node pjs.mjs worker | first URL');
  process.exit(2);
}
