// Constants build.mjs defines at build time (esbuild `define`), for the type check (jsconfig.json).
declare const __TIPLINE_ROOT_KEY__: string;
declare const __TIPLINE_WORKER_URL__: string;
