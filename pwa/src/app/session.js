// What lives only in this page's memory, never on disk: receipts just drawn for sent cases
// (unless the citizen asks to keep one), and the draft being written.
export const sentReceipts = new Map();
