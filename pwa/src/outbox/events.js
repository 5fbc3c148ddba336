// Delivery progress, from whichever context delivers (the page or the service worker) to
// every open page. A BroadcastChannel never delivers to its own sender object, hence two.
const NAME = "tipline-delivery";
/** The Background Sync tag under which the service worker delivers the outbox. */
export const SYNC_TAG = "tipline-outbox";
let sender = null;

export function announce(message) {
  if (typeof BroadcastChannel === "undefined") return;
  sender ??= new BroadcastChannel(NAME);
  sender.postMessage(message);
}

export function listen(handler) {
  if (typeof BroadcastChannel === "undefined") return () => {};
  const channel = new BroadcastChannel(NAME);
  channel.onmessage = (event) => handler(event.data);
  return () => channel.close();
}
