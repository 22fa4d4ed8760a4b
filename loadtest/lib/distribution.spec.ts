import {
  actualShares,
  countsFromSummary,
  expectedShares,
  formatSplit,
  parseWeights,
  shareThresholds,
} from './distribution';

describe('load test distribution logic', () => {
  it('parses weights and rejects bad input', () => {
    expect(parseWeights('web1=1, web2=2,web3=3')).toEqual({ web1: 1, web2: 2, web3: 3 });
    expect(() => parseWeights('web1=0')).toThrow(
      'bad weight "web1=0" (expected name=positive integer)',
    );
    expect(() => parseWeights('web1=1,web1=2')).toThrow('node "web1" given twice');
    expect(() => parseWeights('')).toThrow('no weights given');
  });

  it('computes expected and actual shares', () => {
    const weights = { web1: 1, web2: 2, web3: 3 };
    expect(expectedShares(weights)).toEqual({ web1: 1 / 6, web2: 2 / 6, web3: 3 / 6 });
    expect(actualShares({ web1: 10, web3: 30 }, weights)).toEqual({
      web1: 0.25,
      web2: 0,
      web3: 0.75,
    });
    expect(actualShares({}, weights)).toEqual({ web1: 0, web2: 0, web3: 0 });
  });

  it('turns weights into k6 rate thresholds per node', () => {
    expect(shareThresholds('node_share', { web1: 1, web2: 3 }, 0.05)).toEqual({
      'node_share{node:web1}': ['rate>=0.2000', 'rate<=0.3000'],
      'node_share{node:web2}': ['rate>=0.7000', 'rate<=0.8000'],
    });
  });

  it('formats the split table', () => {
    expect(formatSplit({ web1: 17, web2: 33, web3: 50 }, { web1: 1, web2: 2, web3: 3 })).toBe(
      [
        '  node          hits  actual   weight',
        '  web1            17   17.0%   16.7%',
        '  web2            33   33.0%   33.3%',
        '  web3            50   50.0%   50.0%',
      ].join('\n'),
    );
  });
});

describe('countsFromSummary', () => {
  // Shaped like k6 1.0's handleSummary data: tagged sub-metrics exist only where a threshold
  // names them (node_share{node:…}), never for the untagged-threshold counter node_hits.
  const data = {
    metrics: {
      http_reqs: { type: 'counter', contains: 'default', values: { count: 100, rate: 9.9 } },
      node_hits: { type: 'counter', contains: 'default', values: { count: 100, rate: 9.9 } },
      node_share: {
        type: 'rate',
        contains: 'default',
        values: { rate: 0.3333, passes: 100, fails: 200 },
      },
      'node_share{node:web1}': {
        type: 'rate',
        contains: 'default',
        values: { rate: 0.17, passes: 17, fails: 83 },
        thresholds: { 'rate>=0.1167': { ok: true }, 'rate<=0.2167': { ok: true } },
      },
      'node_share{node:web2}': {
        type: 'rate',
        contains: 'default',
        values: { rate: 0.33, passes: 33, fails: 67 },
      },
      'node_share{node:web3}': {
        type: 'rate',
        contains: 'default',
        values: { rate: 0.5, passes: 50, fails: 50 },
      },
    },
  };

  it('counts each node’s responses from the node_share passes', () => {
    expect(countsFromSummary(data.metrics)).toEqual({ web1: 17, web2: 33, web3: 50 });
  });

  it('feeds the split table with real counts, not zeros', () => {
    expect(formatSplit(countsFromSummary(data.metrics), { web1: 1, web2: 2, web3: 3 })).toBe(
      [
        '  node          hits  actual   weight',
        '  web1            17   17.0%   16.7%',
        '  web2            33   33.0%   33.3%',
        '  web3            50   50.0%   50.0%',
      ].join('\n'),
    );
  });
});
