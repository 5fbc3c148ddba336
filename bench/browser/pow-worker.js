// The app's solver in a dedicated worker, as the crypto worker runs it (bench/pow_bench.py).
import { solve } from "../../pwa/src/pow/solve.js";

self.onmessage = async ({ data }) => self.postMessage(await solve(data));
