import { describe, expect, it } from 'vitest';
import { type Asset, effectiveStatus, isUsable } from '../../src/domain/asset.js';
import { formatDurationMs, parseDurationMs } from '../../src/domain/duration.js';
import { issuanceKey, nextRound } from '../../src/domain/idempotency-key.js';
import { defaultStockShards } from '../../src/domain/issuance.js';
import { parseTemplateRef } from '../../src/domain/template-ref.js';

const asset = (overrides: Partial<Asset> = {}): Asset => ({
  id: 'a1',
  activityId: 'act',
  userId: 'u',
  pool: 'p',
  status: 'active',
  issuedAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-08T00:00:00.000Z',
  idempotencyKey: 'act:u:0',
  eventId: 'e',
  ...overrides,
});

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['1.5h', 5_400_000],
  ])('%s is %d ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));
  it.each(['7days', '', 'd7', '-1h', '1 h'])('%s is not a duration', (text) => expect(parseDurationMs(text)).toBeUndefined());
  it('formats back', () => expect(formatDurationMs(604_800_000)).toBe('1w'));
});

describe('asset lifecycle', () => {
  const before = Date.parse('2026-01-05T00:00:00Z');
  const after = Date.parse('2026-01-08T00:00:00Z');
  it('an active asset is usable until it expires, then it is expired', () => {
    expect(isUsable(asset(), before)).toBe(true);
    expect(effectiveStatus(asset(), after)).toBe('expired');
    expect(isUsable(asset(), after)).toBe(false);
  });
  it('a redeemed asset is never usable', () => {
    expect(isUsable(asset({ status: 'redeemed' }), before)).toBe(false);
    expect(effectiveStatus(asset({ status: 'redeemed' }), after)).toBe('redeemed');
  });
});

describe('idempotency key', () => {
  it('is the same for every attempt of a round and new after redemption or expiry', () => {
    expect(issuanceKey('act', 'u', nextRound([]))).toBe('act:u:0');
    expect(issuanceKey('act', 'u', nextRound([]))).toBe(issuanceKey('act', 'u', nextRound([])));
    expect(issuanceKey('act', 'u', nextRound([asset({ status: 'redeemed' })]))).toBe('act:u:1');
  });
});

describe('default stock shards', () => {
  it('one slot per 50 units, at least 1 and at most 16', () => {
    expect([0, 1, 49, 50, 99, 100, 400, 799, 800, 100_000_000].map(defaultStockShards)).toEqual([1, 1, 1, 1, 1, 2, 8, 15, 16, 16]);
  });
});

describe('template refs', () => {
  it('parse id@version', () => {
    expect(parseTemplateRef('item-promotion@3.0')).toEqual({ id: 'item-promotion', version: '3.0' });
    expect(parseTemplateRef('item-promotion')).toBeUndefined();
    expect(parseTemplateRef('@3.0')).toBeUndefined();
  });
});
