import { describe, expect, it } from "vitest";
import { caseView, itemView, refusalKey } from "../../../pwa/src/outbox/status.js";

const item = (state, extra = {}) => ({ itemId: Math.random().toString(16).slice(2), kind: "attachment", state,
  ...extra });
const report = (state, extra = {}) => item(state, { kind: "report", ...extra });
const queued = { state: "queued" };

describe("what the citizen is told", () => {
  it("says why a case waits, the most telling reason first, and never calls it a failure", () => {
    expect(caseView(queued, [report("queued", { wait: "network" })])).toMatchObject({ state: "waiting",
      wait: "network" });
    expect(caseView(queued, [report("delivered"), item("queued", { wait: "full" }), item("queued", { wait: "network" })]))
      .toMatchObject({ state: "waiting", wait: "full" });
    expect(caseView(queued, [report("queued", { wait: "unreached" })]).wait).toBe("unreached");
    expect(caseView(queued, [report("queued", { wait: "server" })]).wait).toBe("network");
    expect(caseView(queued, [report("queued")]).wait).toBe("network"); // never tried yet
  });

  it("shows what is moving as sending", () => {
    const moving = item("queued", { wait: "network" });
    expect(caseView(queued, [report("delivered"), moving], { sendingItems: new Set([moving.itemId]) }).state)
      .toBe("sending");
  });

  it("asks the citizen when a file is refused, and fails the case only if its report is", () => {
    expect(caseView(queued, [report("delivered"), item("failed", { error: "item_too_large" }), item("queued")]).state)
      .toBe("choice");
    expect(caseView(queued, [report("failed", { error: "not_an_envelope" }), item("queued")]).state).toBe("failed");
    expect(caseView({ state: "failed" }, [report("queued")]).state).toBe("failed");
  });

  it("counts the files withdrawn in a delivered case", () => {
    expect(caseView({ state: "delivered" }, [report("delivered"), item("withdrawn"), item("delivered")]))
      .toEqual({ state: "delivered", withdrawn: 1 });
    expect(caseView(queued, [report("delivered"), item("delivered")])).toEqual({ state: "delivered", withdrawn: 0 });
  });

  it("words each refusal by what the citizen can do about it", () => {
    expect(refusalKey("item_too_large")).toBe("too_large");
    expect(refusalKey("too_large")).toBe("too_large");
    expect(refusalKey("case_too_large")).toBe("case_full");
    expect(refusalKey("too_many_items")).toBe("case_full");
    expect(refusalKey("chunk_lost")).toBe("lost");
    expect(refusalKey("sha256_mismatch")).toBe("invalid");
    expect(itemView(item("failed", { error: "item_too_large" }))).toEqual({ state: "refused", code: "item_too_large",
      reason: "too_large" });
    expect(itemView(item("withdrawn"))).toEqual({ state: "withdrawn" });
    expect(itemView(item("queued", { wait: "busy" }))).toEqual({ state: "waiting", wait: "busy" });
  });
});
