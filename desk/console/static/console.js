// The console's only script (CSP: script-src 'self', nothing inline). It keeps the open page
// current without a reload: a long poll on /api/live; when the revision moves, the page is
// fetched again and each [data-live] region is replaced by the new one (parsed inertly by
// DOMParser: nothing in it runs). When the console locks, the page leaves the screen.
"use strict";

(function () {
  const url = document.body.dataset.liveUrl;
  // The revision the server read before it rendered this page: any later change refreshes it.
  let revision = Number(document.body.dataset.revision ?? -1);

  async function refreshRegions() {
    const response = await fetch(location.href, { credentials: "same-origin", redirect: "manual" });
    if (response.type === "opaqueredirect" || response.status !== 200) {
      location.reload();
      return;
    }
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const region of document.querySelectorAll("[data-live]")) {
      const next = fresh.querySelector(`[data-live="${region.dataset.live}"]`);
      if (next && !region.contains(document.activeElement)) region.replaceWith(document.importNode(next, true));
    }
  }

  async function follow() {
    for (let rounds = 0; rounds < 100000; rounds += 1) {
      let answer;
      try {
        const response = await fetch(`${url}?after=${revision}`, { credentials: "same-origin" });
        answer = await response.json();
      } catch (error) {
        await new Promise((resolve) => setTimeout(resolve, 5000));
        continue;
      }
      if (answer.locked) {
        location.replace("/unlock");
        return;
      }
      if (revision >= 0 && answer.revision !== revision) await refreshRegions().catch(() => {});
      revision = answer.revision;
    }
  }

  function copyButtons() {
    for (const button of document.querySelectorAll("button[data-copy]")) {
      button.addEventListener("click", async () => {
        try {
          await navigator.clipboard.writeText(button.dataset.copy);
          button.setAttribute("aria-live", "polite");
          button.textContent = button.dataset.copied;
        } catch (error) {
          // no clipboard access here: select the coordinates so the officer copies them by hand
          const target = document.getElementById("coords");
          if (!target) return;
          const range = document.createRange();
          range.selectNodeContents(target);
          window.getSelection().removeAllRanges();
          window.getSelection().addRange(range);
        }
      });
    }
  }

  copyButtons();
  if (url) follow();
})();
