export * from './log-capture';
export * from './ports';
export * from './redis-server';
export * from './wait';
export * from './node-process';
export * from './promtool';
export * from './prometheus-server';
export * from './steady-load';
