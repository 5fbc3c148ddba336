// "Quitter rapidement": leave at once for a neutral page, replacing this page in the history
// (the app never adds history entries of its own, see router.js), so Back does not return here.
export const QUICK_EXIT_URL = "https://www.google.fr/";

export function quickExit() {
  try {
    document.body.replaceChildren(); // nothing of the report stays on screen, even for a moment
  } finally {
    location.replace(QUICK_EXIT_URL);
  }
}
