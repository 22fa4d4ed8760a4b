export * from './hit-event';
