// Reads storage through a node that serves a recording (btscript serve),
// the way polkadot.js reads any node: it builds the storage keys itself from
// the node's metadata and decodes the answers with its own registry.
//
//   node serve_check.mjs ws://127.0.0.1:PORT
//
// Prints one line "@@SERVE {json}" with what it read.

import { WsProvider } from '@polkadot/api';
import { Metadata, TypeRegistry } from '@polkadot/types';
import { hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { xxhashAsU8a } from '@polkadot/util-crypto';

console.log = console.error;
console.info = console.error;
console.warn = console.error;

const provider = new WsProvider(process.argv[2], false);
await provider.connect();
await provider.isReady;

const registry = new TypeRegistry();
registry.setMetadata(new Metadata(registry, await provider.send('state_getMetadata', [])));

const head = await provider.send('chain_getHead', []);
const version = await provider.send('state_getRuntimeVersion', [head]);

// SubtensorModule.SubnetworkN and NetworksAdded are maps with the Identity
// hasher: the key is the two twox128 prefixes and the encoded netuid.
function key (item, netuid) {
  return u8aToHex(u8aConcat(
    xxhashAsU8a('SubtensorModule', 128),
    xxhashAsU8a(item, 128),
    registry.createType('u16', netuid).toU8a()));
}

const n = await provider.send('state_getStorage', [key('SubnetworkN', 1), head]);
const added = await provider.send('state_getStorage', [key('NetworksAdded', 1), head]);

process.stdout.write('@@SERVE ' + JSON.stringify({
  head,
  specVersion: version.specVersion,
  subnetworkN: registry.createType('u16', hexToU8a(n)).toNumber(),
  networksAdded: registry.createType('bool', hexToU8a(added)).isTrue
}) + '\n');
await provider.disconnect();
process.exit(0);
