import { FINE_FACTOR, roundStrength, STRENGTH_LIMIT, STRENGTH_STEPS, StrengthDrag } from "../../plugin/src/model/strength";

test("the slider spans ±4 appearance units in steps of 0.02", () => {
  expect(STRENGTH_LIMIT).toBe(4);
  expect((2 * STRENGTH_LIMIT) / STRENGTH_STEPS).toBe(0.02);
});

test("strengths are rounded to the slider's step without float noise", () => {
  expect(roundStrength(1.1400001, STRENGTH_LIMIT)).toBe(1.14);
  expect(roundStrength(0.30000000000000004, STRENGTH_LIMIT)).toBe(0.3);
  expect(roundStrength(57.3, 100)).toBe(57.5);
  expect(roundStrength(-1.333, STRENGTH_LIMIT)).toBe(-1.34);
});

test("a Shift-drag moves the strength a tenth as far as the handle, from where it was; without Shift it follows the handle", () => {
  const drag = new StrengthDrag();
  expect(drag.next(0.5, false, 0)).toBe(0.5);
  // Shift pressed with the strength at 0.5 and the handle at 0.5: no jump, then a tenth of each move
  expect(drag.next(0.5, true, 0.5)).toBe(0.5);
  expect(drag.next(1.5, true, 0.5)).toBeCloseTo(0.6, 10);
  expect(drag.next(-0.5, true, 0.6)).toBeCloseTo(0.4, 10);
  drag.end();
  // a new drag anchors afresh
  expect(drag.next(2, true, 0.4)).toBe(0.4);
  expect(drag.next(2.2, true, 0.4)).toBeCloseTo(0.42, 10);
  expect(drag.next(2.2, false, 0.42)).toBe(2.2);
  expect(FINE_FACTOR).toBe(10);
});

test("fine strengths are rounded to a tenth of the slider's step", () => {
  expect(roundStrength(0.4217, STRENGTH_LIMIT, true)).toBe(0.422);
  expect(roundStrength(0.4217, STRENGTH_LIMIT)).toBe(0.42);
});
