// respondd's wire format: which datagrams are requests, and the two forms of answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { decodeReply, encodeReply, encodeRequest, parseRequest } from '../../lib/respondd/index.ts';

test('requests: GET with known sections (in the order respondd knows them), a bare section name; nothing else', () => {
  assert.deepEqual(parseRequest(Buffer.from('GET neighbours nodeinfo')), {
    sections: ['nodeinfo', 'neighbours'],
    compressed: true,
  });
  assert.deepEqual(parseRequest(encodeRequest()), {
    sections: ['nodeinfo', 'statistics', 'neighbours'],
    compressed: true,
  });
  assert.deepEqual(parseRequest(Buffer.from('statistics\n')), { sections: ['statistics'], compressed: false });
  for (const bad of [
    'GET',
    'GET bogus',
    'get nodeinfo',
    'GET  nodeinfo',
    'nodeinfo statistics',
    '',
    `GET ${'nodeinfo '.repeat(40)}`,
  ])
    assert.equal(parseRequest(Buffer.from(bad)), undefined, JSON.stringify(bad));
});

test('answers: GET gets one raw DEFLATE stream of the sections asked; a bare name gets that section as JSON', () => {
  const data = { nodeinfo: { node_id: '02ba00010000' }, statistics: { uptime: 5 }, neighbours: {} };
  const compressed = encodeReply({ sections: ['nodeinfo', 'statistics'], compressed: true }, data);
  assert.deepEqual(JSON.parse(inflateRawSync(compressed).toString()), {
    nodeinfo: data.nodeinfo,
    statistics: data.statistics,
  });
  assert.deepEqual(decodeReply(compressed), { nodeinfo: data.nodeinfo, statistics: data.statistics });
  const plain = encodeReply({ sections: ['statistics'], compressed: false }, data);
  assert.deepEqual(JSON.parse(plain.toString()), data.statistics);
  assert.deepEqual(decodeReply(plain), data.statistics);
  assert.throws(() => decodeReply(Buffer.from('[1,2]')), /not a JSON object/);
});
