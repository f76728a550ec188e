import { describe, expect, it } from 'vitest';
import { decide, shouldSave, type Action } from '../src/policy.js';
import type { Mode } from '../src/mode.js';

// The whole decision table of DESIGN section 4: mode x (recorded?) x (file existed?).
const table: Array<[Mode, boolean, boolean, Action]> = [
  ['auto', true, true, 'replay'],
  ['auto', false, true, 'miss'],
  ['auto', true, false, 'replay'], // recorded earlier in this same run
  ['auto', false, false, 'record'],
  ['replay', true, true, 'replay'],
  ['replay', false, true, 'miss'],
  ['replay', true, false, 'replay'],
  ['replay', false, false, 'miss'],
  ['record', true, true, 'record'],
  ['record', false, true, 'record'],
  ['record', true, false, 'record'],
  ['record', false, false, 'record'],
  ['new', true, true, 'replay'],
  ['new', false, true, 'record'],
  ['new', true, false, 'replay'],
  ['new', false, false, 'record'],
  ['passthrough', true, true, 'live'],
  ['passthrough', false, true, 'live'],
  ['passthrough', true, false, 'live'],
  ['passthrough', false, false, 'live'],
  ['verify', true, true, 'verify'],
  ['verify', false, true, 'miss'],
  ['verify', true, false, 'verify'],
  ['verify', false, false, 'miss'],
];

describe('decide', () => {
  it.each(table)('%s, recorded=%s, fileExisted=%s -> %s', (mode, recorded, fileExisted, action) => {
    expect(decide(mode, { recorded, fileExisted })).toBe(action);
  });
});

describe('shouldSave', () => {
  it.each([
    ['auto', false, true, true],
    ['auto', true, true, false],
    ['auto', false, false, false],
    ['record', true, true, true],
    ['record', true, false, false],
    ['new', true, true, true],
    ['new', true, false, false],
    ['replay', false, true, false],
    ['passthrough', false, true, false],
    ['verify', true, true, false],
  ] as Array<[Mode, boolean, boolean, boolean]>)('%s fileExisted=%s changed=%s -> %s', (mode, fileExisted, changed, expected) => {
    expect(shouldSave(mode, { fileExisted, changed })).toBe(expected);
  });
});
