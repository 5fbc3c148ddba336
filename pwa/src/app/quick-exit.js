// "Quitter rapidement": leave at once for a neutral page, replacing this page in the history
// (the app never adds history entries of its own, see router.js), so Back does not return here.
// A draft kept on the phone goes too, with its sealed photos; the screen is blanked first, and
// the neutral page is never held back more than a moment by the erasing.
import { forgetCase } from "../outbox/store.js";
import { keptDraft, wipeKeptDraft } from "./draft-vault.js";

export const QUICK_EXIT_URL = "https://www.google.fr/";
const ERASE_AT_MOST_MS = 1500;

async function eraseKeptDraft() {
  const record = await keptDraft().catch(() => null);
  await wipeKeptDraft();
  if (record?.caseId) await forgetCase(record.caseId).catch(() => {});
}

export function quickExit() {
  try {
    document.body.replaceChildren(); // nothing of the report stays on screen, even for a moment
  } finally {
    const leave = () => location.replace(QUICK_EXIT_URL);
    Promise.race([eraseKeptDraft().catch(() => {}), new Promise((done) => setTimeout(done, ERASE_AT_MOST_MS))])
      .finally(leave);
  }
}
