import assert from "node:assert/strict";
import { test } from "node:test";
import { CountedSlots } from "@/lib/runtime/counted-slots";

test("at most cap slots per key; a slot given back twice frees one; keys are apart", () => {
  const slots = new CountedSlots();
  const first = slots.take("a", 2);
  const second = slots.take("a", 2);
  assert.ok(first && second);
  assert.equal(slots.take("a", 2), null, "full");
  assert.ok(slots.take("b", 2), "another key has its own");
  first();
  first();
  const third = slots.take("a", 2);
  assert.ok(third, "a slot came back");
  assert.equal(slots.take("a", 2), null, "but only one");
});
