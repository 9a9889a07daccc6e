import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type InFlightLimits, inFlightRoom } from '../../../source/peer/download/in-flight-room.ts';

const unpaced: InFlightLimits = {
  nodeInFlight: 40,
  socketBlocks: 240,
  pacedBlocks: Number.POSITIVE_INFINITY,
  ownerInFlight: 10,
  ownerComplete: true,
  usableOwners: 8,
};

describe('inFlightRoom', () => {
  test('unpaced: the socket budget, a complete owner at most an equal share of it', () => {
    // 240 / 8 owners = 30 each; it has 10 in flight.
    assert.equal(inFlightRoom(unpaced), 20);
    assert.equal(inFlightRoom({ ...unpaced, ownerComplete: false }), 200);
    assert.equal(inFlightRoom({ ...unpaced, usableOwners: 1 }), 200);
    assert.equal(inFlightRoom({ ...unpaced, nodeInFlight: 250 }), -10);
  });

  test('paced: the paced bound where it is below the socket budget', () => {
    const paced = { ...unpaced, pacedBlocks: 64, ownerComplete: false };
    assert.equal(inFlightRoom(paced), 24);
    assert.equal(inFlightRoom({ ...paced, pacedBlocks: 300 }), 200);
  });

  test('paced: a complete owner gets at most an equal share of the paced bound', () => {
    const paced = { ...unpaced, pacedBlocks: 64, nodeInFlight: 20 };
    // 64 / 8 owners = 8 each; it has 10 in flight: nothing more.
    assert.equal(inFlightRoom(paced), -2);
    assert.equal(inFlightRoom({ ...paced, ownerInFlight: 3 }), 5);
    // A partial owner may take what the complete one leaves.
    assert.equal(inFlightRoom({ ...paced, ownerComplete: false }), 44);
  });

  test('more complete owners than the paced bound has blocks: one block each, the bound over all', () => {
    // 8 / 9 owners rounded down was 0 each: nothing was ever asked, under any download limit
    // that paced the bound to 8 blocks.
    const crowded = {
      ...unpaced,
      pacedBlocks: 8,
      nodeInFlight: 0,
      ownerInFlight: 0,
      usableOwners: 9,
    };
    assert.equal(inFlightRoom(crowded), 1);
    assert.equal(inFlightRoom({ ...crowded, ownerInFlight: 1, nodeInFlight: 1 }), 0);
    assert.equal(inFlightRoom({ ...crowded, nodeInFlight: 8 }), 0);
  });

  test('paced with one usable owner: a complete owner is not held to a share', () => {
    const alone = { ...unpaced, pacedBlocks: 64, nodeInFlight: 20, usableOwners: 1 };
    assert.equal(inFlightRoom(alone), 44);
    assert.equal(inFlightRoom({ ...alone, usableOwners: 0 }), 44);
  });
});
