// One HTTP request with a time limit that follows progress: an upload that is moving is never
// cut, a stalled one is. Two implementations, one shape:
//
//   transport({method, url, body, headers, limits}) -> {status, contentType, retryAfter, text}
//   or throws TransportError (no answer: offline, reset, stalled, too slow)
//
// - xhrTransport (pages): XMLHttpRequest reports upload progress, so the limit is "no byte
//   moved for limits.stallMs" while the body goes out, then limits.answerMs for the answer
//   (the last bytes may still sit in the phone's socket buffer, and the server then writes).
// - fetchTransport (the service worker, tests): fetch() says nothing until the answer comes,
//   so the limit is a whole-request deadline sized from the body and the measured uplink.

export class TransportError extends Error {
  constructor(reason, message) {
    super(message ?? reason);
    this.reason = reason; // "network" | "stalled" | "timeout"
  }
}

// redirect: "manual": a portal's redirect is an answer, but not the server's
const OPTIONS = { cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer", redirect: "manual" };

export function fetchTransport(fetchFn = globalThis.fetch?.bind(globalThis)) {
  return async ({ method, url, body, headers, limits }) => {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, limits.totalMs);
    try {
      const response = await fetchFn(url, { ...OPTIONS, method, body, headers, signal: controller.signal });
      const text = await response.text();
      return { status: response.status, contentType: response.headers.get("Content-Type"),
        retryAfter: response.headers.get("Retry-After"), text };
    } catch (error) {
      if (timedOut) throw new TransportError("timeout", `no answer within ${limits.totalMs} ms`);
      throw new TransportError("network", String(error?.message ?? error));
    } finally {
      clearTimeout(timer);
    }
  };
}

export function xhrTransport(XHR = globalThis.XMLHttpRequest) {
  return ({ method, url, body, headers, limits, onUpload }) => new Promise((resolve, reject) => {
    const xhr = new XHR();
    let timer = null;
    let why = null;
    const arm = (ms, reason) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        why = reason;
        xhr.abort();
      }, ms);
    };
    xhr.open(method, url);
    xhr.withCredentials = false;
    for (const [name, value] of Object.entries(headers ?? {})) xhr.setRequestHeader(name, value);
    xhr.responseType = "text";
    if (body !== undefined && body !== null) {
      // while the body goes out, each progress event proves the link moves: restart the clock
      xhr.upload.onprogress = (event) => {
        arm(limits.stallMs, "stalled");
        onUpload?.(event.loaded);
      };
      xhr.upload.onload = () => arm(limits.answerMs, "timeout");
      arm(limits.stallMs, "stalled");
    } else {
      arm(limits.answerMs, "timeout");
    }
    xhr.onload = () => {
      clearTimeout(timer);
      resolve({ status: xhr.status, contentType: xhr.getResponseHeader("Content-Type"),
        retryAfter: xhr.getResponseHeader("Retry-After"), text: xhr.responseText });
    };
    const fail = () => {
      clearTimeout(timer);
      const after = why === "stalled" ? limits.stallMs : limits.answerMs;
      reject(new TransportError(why ?? "network", why ? `${why} after ${after} ms` : "the connection failed"));
    };
    xhr.onerror = fail;
    xhr.onabort = fail;
    xhr.ontimeout = fail;
    xhr.send(body ?? null);
  });
}

/** The transport for this context: XHR where it exists (pages), fetch otherwise (service worker). */
export function defaultTransport(fetchFn) {
  if (fetchFn) return fetchTransport(fetchFn);
  return typeof globalThis.XMLHttpRequest === "function" ? xhrTransport() : fetchTransport();
}
