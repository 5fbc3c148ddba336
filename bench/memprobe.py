"""Peak memory of decrypting one envelope, measured in a fresh interpreter.

    python -m bench.memprobe ENVELOPE_PATH      (the X25519 secret key, hex, on standard input)

The secret key comes through a pipe, never a file or the command line. After the imports
and the key, ru_maxrss is the baseline; the envelope is then decrypted to a sink that
discards everything, and ru_maxrss is read again. One line of JSON goes to standard output.
Only the standard library and ``envelope`` are imported, so the baseline is the interpreter's.

Two Linux details make ru_maxrss honest here:

- ru_maxrss of a process includes the high-water mark of the process it was exec'd from
  (the kernel keeps it across exec), so a probe started straight from a big parent would
  report the parent's peak as its own baseline. The parent starts this probe through
  ``timeout``, a small process that forks it: the probe then inherits only ``timeout``'s
  ~2 MiB (bench.envelope_bench).
- Anything allocated and freed before the baseline (imports, reading the key) would leave a
  peak above the RSS that stays and hide that much of the decryption's own use. After the
  imports the probe writes ``5`` to /proc/self/clear_refs, which resets its high-water mark
  to its current RSS, so the baseline is what the interpreter holds at that moment. The
  after-import value before the reset is reported too (they are normally equal).
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import time

from envelope.open import Identity, decrypt_stream


class _Discard:
    def __init__(self):
        self.written = 0

    def write(self, data) -> int:
        self.written += len(data)
        return len(data)


def _maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def _reset_high_water_mark() -> bool:
    """Reset this process's peak RSS to its current RSS (Linux 4.0+); False where not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def main() -> int:
    path = sys.argv[1]
    identity = Identity(bytes.fromhex(sys.stdin.readline().strip()))
    sink = _Discard()
    gc.collect()
    after_imports = _maxrss_kib()
    reset = _reset_high_water_mark()
    baseline = _maxrss_kib()
    rss_before = _status_kib("VmRSS")
    started = time.perf_counter()
    with open(path, "rb") as source:
        result = decrypt_stream(source, sink, [identity])
    seconds = time.perf_counter() - started
    peak = _maxrss_kib()
    print(json.dumps({
        "after_imports_maxrss_kib": after_imports,
        "high_water_mark_reset": reset,
        "baseline_maxrss_kib": baseline,
        "baseline_vmrss_kib": rss_before,
        "peak_maxrss_kib": peak,
        "end_vmrss_kib": _status_kib("VmRSS"),
        "peak_vmhwm_kib": _status_kib("VmHWM"),
        "delta_kib": peak - baseline,
        "seconds": seconds,
        "content_bytes": sink.written,
        "content_sha256": result.content_sha256.hex(),
        "python": sys.version.split()[0],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
