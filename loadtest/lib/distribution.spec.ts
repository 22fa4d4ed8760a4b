import {
  actualShares,
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
