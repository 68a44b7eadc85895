// Makes kafkajs 2.2.4 able to read a compacted topic from the beginning (kafkajs issue #1072, open upstream).
//
// Log compaction keeps the last record batch of every idempotent producer even when all its records were
// removed, as an empty batch (count 0). kafkajs decodes such a batch to no messages; when a fetch returns only
// empty batches (a compacted segment whose records were all superseded), the consumer sees an empty fetch, never
// moves its position, and refetches the same offset forever. Matching replays inventory's compacted capacity
// feed at every start, so this hangs its start-up.
//
// The fix, as the Java client does it: an empty batch still advances the position to its last offset. The patch
// turns each empty batch into one control record at that offset; kafkajs already skips control records and
// resolves past them. Idempotent: applied once, recognised by its marker; refuses other kafkajs versions so an
// upgrade is a conscious decision.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const kafkajs = path.join(root, 'node_modules', 'kafkajs');
const file = path.join(kafkajs, 'src', 'protocol', 'requests', 'fetch', 'v4', 'decodeMessages.js');
const MARKER = 'gridex patch: empty record batches advance the position';
const EXPECTED_VERSION = '2.2.4';

const { version } = JSON.parse(readFileSync(path.join(kafkajs, 'package.json'), 'utf8'));
if (version !== EXPECTED_VERSION) {
  console.error(
    `patch-kafkajs: kafkajs is ${version}, the patch was written for ${EXPECTED_VERSION}; ` +
      'check whether upstream fixed issue #1072 and update or drop tools/build/patch-kafkajs.mjs',
  );
  process.exit(1);
}
const source = readFileSync(file, 'utf8');
if (!source.includes(MARKER)) {
  const original = '        records.push(...recordBatch.records)\n';
  if (!source.includes(original)) {
    console.error(`patch-kafkajs: ${file} does not look like kafkajs ${EXPECTED_VERSION}; not patched`);
    process.exit(1);
  }
  const patched = source
    .replace(
      "const Decoder = require('../../../decoder')\n",
      "const Decoder = require('../../../decoder')\nconst Long = require('../../../../utils/long')\n",
    )
    .replace(
      original,
      `${original}        // ${MARKER} (kafkajs #1072)
        if (recordBatch.records.length === 0) {
          records.push({
            offset: Long.fromValue(recordBatch.firstOffset).add(recordBatch.lastOffsetDelta).toString(),
            key: null,
            value: null,
            headers: {},
            timestamp: recordBatch.maxTimestamp,
            attributes: 0,
            magicByte: 2,
            isControlRecord: true,
            batchContext: recordBatch,
          })
        }
`,
    );
  writeFileSync(file, patched);
  console.log('patch-kafkajs: patched fetch decoding for compacted topics (kafkajs #1072)');
}
