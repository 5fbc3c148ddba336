// What the receipt screen says about a typed receipt, from the worker's check: a stray character
// and a failed check at once, a missing character only when the citizen asks to open.
import { describe, expect, it } from "vitest";
import { receiptProblem } from "../../../pwa/src/app/screens/receipt-entry.js";
import { checkReceiptText } from "../../../pwa/src/worker/conversation-ops.js";

const VALID = "7K3 MQX 2P9 ZTA 4HC WD3"; // docs/envelope.md's v2 example (check characters right)

describe("receipt words", () => {
  it("a well-formed receipt has nothing to say, whatever its spelling", () => {
    for (const text of [VALID, VALID.toLowerCase(), VALID.replace(/ /g, "-"), ` ${VALID.replace(/ /g, "")} `]) {
      expect(receiptProblem(checkReceiptText(text))).toBe(null);
    }
  });

  it("a stray character is named with its place at once", () => {
    expect(receiptProblem(checkReceiptText("7K3 MQU"))).toBe(
      "« U » ne peut pas figurer dans un reçu (caractère n° 6). Un reçu n'a que des chiffres et des lettres, sans U.");
  });

  it("a typo or a swap at the 18th character, at once; a short receipt only on submit", () => {
    const swapped = "K73 MQX 2P9 ZTA 4HC WD3";
    expect(receiptProblem(checkReceiptText(swapped))).toMatch(/faute de frappe/);
    expect(receiptProblem(checkReceiptText("7K3 MQX 2P9"))).toBe(null);
    expect(receiptProblem(checkReceiptText("7K3 MQX 2P9"), { final: true })).toMatch(/Il manque des caractères.* 9\./);
    expect(receiptProblem(checkReceiptText(""), { final: true })).toBe("Entrez votre reçu.");
    expect(receiptProblem(checkReceiptText(`${VALID} 7`))).toMatch(/trop de caractères \(19 au lieu de 18\)/);
  });
});
