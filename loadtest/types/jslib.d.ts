// k6 loads this module from jslib.k6.io at run time; these are the parts we use.
declare module 'https://jslib.k6.io/k6-summary/0.1.0/index.js' {
  export function textSummary(
    data: unknown,
    options?: { indent?: string; enableColors?: boolean },
  ): string;
}

// k6 provides console (logging to its output); @types/k6 does not declare it.
declare const console: {
  log(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
};
